import type { AnalysisAnswer } from '../../src/insights/analysis.schema.ts';
import { toCompact } from '../../src/insights/compact-answer.ts';

/**
 * A plausible answer about the products a request names, the same content whatever form it is written in
 * (bench:insights used it before issue 17): its size is what costs. `withBands` adds the ordered readings the
 * compact answer carries (size band, life stage, price-sensitivity confidence).
 */
export function plausibleAnswer(products: readonly string[], withBands = true): AnalysisAnswer {
  const some = products.slice(0, 3);
  return {
    consumptionPatterns: some.map((p, i) => ({ pattern: `Buys ${p} regularly, roughly on a steady cycle with bulk packs now and then`, products: [p], confidence: [0.8, 0.7, 0.6][i]! })),
    predictedNeeds: some.map((p, i) => ({ need: p, timing: `within ${3 + i * 4} days`, confidence: 0.7 })),
    household: {
      reading: 'A small household with a regular weekly shop',
      evidence: ['steady quantities', 'no bulk buying'],
      confidence: 0.4,
      ...(withBands ? { sizeBand: '2' as const, lifeStage: 'couple' as const } : {}),
    },
    socioeconomic: { reading: 'Mid-range basket; full-price purchases', evidence: ['mostly full-price items'], confidence: 0.3 },
    priceSensitivity: { level: 'medium', evidence: ['buys standard pack sizes'], ...(withBands ? { confidence: 0.5 } : {}) },
    recommendedCategories: ['household', 'coffee', 'baby'],
    churnSignals: [],
    summary: 'A regular customer with a steady routine and no sign of leaving.',
  };
}

/** The product names of a request in either form: the compact product rows, or the verbose JSON. */
export function productsOf(request: Record<string, unknown>): string[] {
  const text = ((request.messages as { content: { text?: string }[] }[] | undefined)?.[0]?.content[0]?.text ?? '');
  const rows = [...text.matchAll(/^\d+\|([^|]*)\|/gm)].map((m) => m[1]!);
  if (rows.length > 0) return rows;
  return [...new Set([...text.matchAll(/"product":"([^"]+)"/g)].map((m) => m[1]!))];
}

/** What the stand-in answers in benchmarks: the compact form for the compact tool, the long form otherwise. */
export function autoAnswer(request: Record<string, unknown>): unknown {
  const products = productsOf(request);
  const compact = JSON.stringify(request.toolConfig ?? {}).includes('"cp"');
  const answer = plausibleAnswer(products, compact);
  return compact ? toCompact(answer, products.map((name) => ({ name }))) : answer;
}
