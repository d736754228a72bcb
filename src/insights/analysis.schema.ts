import { z } from 'zod';

/**
 * The answer of an AI (or statistical) analysis of one customer. Claude fills it through a forced tool
 * whose input schema is this one (converted with z.toJSONSchema), and every answer is validated with it.
 */
const Confidence = z.number().min(0).max(1);

/** Ordered bands the model may read (segments use them as numbers: see `readingsOf`). */
export const HOUSEHOLD_SIZE_BANDS = ['1', '2', '3-4', '5+'] as const;
/** Life stages in the order of the family life cycle (Wells & Gubar, 1966): roughly by age of the household. */
export const LIFE_STAGES = ['young_single', 'couple', 'young_family', 'older_family', 'empty_nest', 'retired'] as const;
export const PRICE_LEVELS = ['low', 'medium', 'high'] as const;

export const AnalysisAnswer = z
  .object({
    consumptionPatterns: z
      .array(z.object({ pattern: z.string().min(1).max(300), products: z.array(z.string().max(200)).max(20), confidence: Confidence }).strict())
      .max(10),
    predictedNeeds: z
      .array(z.object({ need: z.string().min(1).max(200), timing: z.string().min(1).max(100), confidence: Confidence }).strict())
      .max(10),
    household: z
      .object({
        reading: z.string().min(1).max(300).describe('Household / life stage the purchases support, e.g. "family with an infant"'),
        evidence: z.array(z.string().max(300)).max(10),
        confidence: Confidence,
        sizeBand: z.enum(HOUSEHOLD_SIZE_BANDS).optional(),
        lifeStage: z.enum(LIFE_STAGES).optional(),
      })
      .strict(),
    socioeconomic: z.object({ reading: z.string().min(1).max(300), evidence: z.array(z.string().max(300)).max(10), confidence: Confidence }).strict(),
    priceSensitivity: z.object({ level: z.enum(PRICE_LEVELS), evidence: z.array(z.string().max(300)).max(10), confidence: Confidence.optional() }).strict(),
    recommendedCategories: z.array(z.string().min(1).max(100)).max(10),
    churnSignals: z.array(z.string().min(1).max(300)).max(10),
    summary: z.string().min(1).max(400).describe('One sentence'),
  })
  .strict();

export type AnalysisAnswer = z.infer<typeof AnalysisAnswer>;

export const ANALYSIS_TOOL_NAME = 'record_customer_analysis';

/** The full answer's JSON Schema (the long form: what is stored and served; the tool asks for the compact one). */
export function analysisToolSchema(): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(AnalysisAnswer) as Record<string, unknown>;
  return schema;
}
