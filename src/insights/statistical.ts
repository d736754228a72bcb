import type { PredictionsView } from '../predictions/predictions.schemas.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import type { PseudonymousInput } from './prompt.ts';

/**
 * The analysis without a model: the same answer shape, from the cadence figures alone. It is what the
 * storefront gets when Bedrock is unconfigured, unavailable, over budget, or the customer did not consent
 * to profiling, so it reads nothing it could not state from the numbers, and says so in low confidences.
 */
export function statisticalAnalysis(input: PseudonymousInput, prediction: PredictionsView, productName: (id: string) => string): AnalysisAnswer {
  const regular = prediction.products.filter((p) => p.purchases >= 3 && p.status !== 'lapsed').slice(0, 5);
  const soon = prediction.products.filter((p) => p.status === 'due' || p.status === 'due_soon' || p.status === 'overdue').slice(0, 5);
  const categories = new Map<string, number>();
  for (const p of input.purchases) if (p.category) categories.set(p.category, (categories.get(p.category) ?? 0) + 1);
  const declared = input.declared.householdSize;
  const prices = input.purchases.map((p) => p.unitPrice);
  return {
    consumptionPatterns: regular.map((p) => ({
      pattern: `Buys ${productName(p.productId)} about every ${Math.round(p.typicalIntervalDays)} days`,
      products: [productName(p.productId)],
      confidence: p.confidence === 'high' ? 0.8 : p.confidence === 'medium' ? 0.6 : 0.3,
    })),
    predictedNeeds: soon.map((p) => ({ need: productName(p.productId), timing: p.status === 'overdue' ? 'overdue' : p.status === 'due' ? 'within two weeks' : 'within a month', confidence: 0.6 })),
    household:
      declared !== undefined
        ? { reading: `Household of ${declared} (declared)`, evidence: ['declared by the customer or the shop'], confidence: 0.9 }
        : { reading: 'Not enough evidence without a model reading', evidence: [], confidence: 0.1 },
    socioeconomic: input.declared.incomeBand
      ? { reading: `Income band ${input.declared.incomeBand} (declared)`, evidence: ['declared'], confidence: 0.9 }
      : { reading: 'Not enough evidence without a model reading', evidence: [], confidence: 0.1 },
    priceSensitivity: { level: 'medium', evidence: prices.length > 0 ? [`unit prices from ${Math.min(...prices)} to ${Math.max(...prices)}`] : [] },
    recommendedCategories: [...categories].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c]) => c),
    churnSignals: prediction.customer.churnRisk === 'low' ? [] : prediction.customer.churnEvidence.slice(0, 5),
    summary:
      soon.length > 0
        ? `Statistical reading: ${soon.length} product${soon.length > 1 ? 's are' : ' is'} due; churn risk ${prediction.customer.churnRisk}.`
        : `Statistical reading: nothing due now; churn risk ${prediction.customer.churnRisk}.`,
  };
}
