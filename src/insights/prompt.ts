import type { PredictionsView } from '../predictions/predictions.schemas.ts';

/** Bumped whenever the template changes; stored with every analysis. */
export const PROMPT_VERSION = 'analysis-2026-11-22.1';

/** What the model may see: purchases and figures, never a name, email, phone, address or customer id. */
export interface PseudonymousInput {
  /** A per-request reference that maps the answer back; random, not derived from the customer id. */
  reference: string;
  purchases: { date: string; product: string; category?: string; quantity: number; unitPrice: number; currency: string }[];
  predictions: {
    probabilityAlive: number;
    expectedPurchases90: number;
    churnRisk: string;
    products: { product: string; status: string; typicalIntervalDays: number; nextPurchaseDate: string }[];
  };
  declared: { householdSize?: number; ageBand?: string; incomeBand?: string };
  segment?: string;
}

export function pseudonymousInput(
  reference: string,
  lastPurchases: PseudonymousInput['purchases'],
  prediction: PredictionsView,
  productName: (productId: string) => string,
  declared: PseudonymousInput['declared'],
  segment?: string,
): PseudonymousInput {
  return {
    reference,
    purchases: lastPurchases.slice(0, 20),
    predictions: {
      probabilityAlive: Number(prediction.customer.probabilityAlive.toFixed(3)),
      expectedPurchases90: Number(prediction.customer.expectedPurchases90.toFixed(2)),
      churnRisk: prediction.customer.churnRisk,
      products: prediction.products.slice(0, 15).map((p) => ({
        product: productName(p.productId),
        status: p.status,
        typicalIntervalDays: Math.round(p.typicalIntervalDays),
        nextPurchaseDate: p.nextPurchaseDate,
      })),
    },
    declared,
    ...(segment ? { segment } : {}),
  };
}

export function systemPrompt(): string {
  return [
    'You analyse the purchase history of one online-shop customer for the shop.',
    'Read consumption patterns, predict needs with timing, and give a household / life-stage and a socioeconomic reading only as far as the purchases support it: state the evidence and a confidence between 0 and 1, and use a low confidence rather than guess.',
    'Never try to identify the person. Answer only by calling the tool.',
  ].join(' ');
}

export function userPrompt(input: PseudonymousInput): string {
  return `Customer reference ${input.reference}. Data (JSON):\n${JSON.stringify({ purchases: input.purchases, predictions: input.predictions, declared: input.declared, segment: input.segment })}`;
}
