import type { PredictionsView } from '../predictions/predictions.schemas.ts';

/** Bumped whenever the template changes; stored with every analysis. */
export const PROMPT_VERSION = 'analysis-2026-12-01.tuples';

/** What the model may see: purchases and figures, never a name, email, phone, address or customer id. */
export interface PseudonymousInput {
  /** A per-request reference that maps the answer back; random, not derived from the customer id. */
  reference: string;
  /** The day the reading is made (YYYY-MM-DD): dates are sent as days before it. */
  asOf: string;
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
  asOf: string = prediction.computedAt.slice(0, 10),
): PseudonymousInput {
  return {
    reference,
    asOf,
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

/**
 * The products of an input, numbered from 1 in the order they first appear (purchases, newest first, then
 * forecasts): the prompt lists each name once and the answer refers to products by number.
 */
export function productTable(input: PseudonymousInput): { name: string; category?: string }[] {
  const seen = new Map<string, { name: string; category?: string }>();
  for (const p of input.purchases) if (!seen.has(p.product)) seen.set(p.product, { name: p.product, ...(p.category ? { category: p.category } : {}) });
  for (const p of input.predictions.products) if (!seen.has(p.product)) seen.set(p.product, { name: p.product });
  return [...seen.values()];
}

/**
 * The fixed part of every call: instructions, then the input's and the answer's short field names, each
 * explained once here instead of being spelled out in every row and every answer.
 */
export function systemPrompt(): string {
  return [
    "Read one shop customer's purchases for the shop: patterns, needs with timing, household, life stage and socioeconomic readings only as far as the purchases support them, with evidence and confidence 0-1 (low rather than guess). Never try to identify the person. Answer with the tool only.",
    'Input: one row per product: n|name|category|unit price|purchases as days ago (xQ quantity, =P other price)|forecast status|every d days|next in d days. C: alive probability|purchase days expected in 90d|churn risk. D declared, S segment.',
    'Answer keys: cp patterns [[text,c]]; nd needs [[product n or what, within days or when, c]]; hh household{r reading,e evidence,c,sz size,ls life stage}; se socioeconomic [reading,evidence,c]; ps price sensitivity [level,evidence,c]; rc categories to recommend; ch churn signals; s summary sentence. c confidence 0-100. Write products as #n in texts.',
  ].join('\n');
}

const dayMs = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / dayMs);
/** Numbers as short as they stay exact: 0.930 → .93, 18.90 → 18.9. */
const num = (v: number) => String(Number(v.toFixed(3))).replace(/^0\./, '.').replace(/^-0\./, '-.');

/** One row per product: name and category once, its purchases as days ago, its forecast. */
export function userPrompt(input: PseudonymousInput): string {
  const products = productTable(input);
  const main = input.purchases[0]?.currency ?? '';
  const rows = products.map((p, i) => {
    const bought = input.purchases.filter((b) => b.product === p.name);
    const price = bought[0]?.unitPrice;
    const days = bought
      .map((b) => `${daysBetween(b.date, input.asOf)}${b.quantity !== 1 ? `x${num(b.quantity)}` : ''}${b.unitPrice !== price || b.currency !== main ? `=${num(b.unitPrice)}${b.currency !== main ? b.currency : ''}` : ''}`)
      .join(' ');
    const f = input.predictions.products.find((x) => x.product === p.name);
    const forecast = f ? `|${f.status}|${f.typicalIntervalDays}|${daysBetween(input.asOf, f.nextPurchaseDate)}` : '';
    return `${i + 1}|${p.name}|${p.category ?? ''}|${price === undefined ? '' : num(price)}|${days}${forecast}`;
  });
  const c = input.predictions;
  const d = input.declared;
  const declared = [d.householdSize !== undefined ? `household ${d.householdSize}` : '', d.ageBand ? `age ${d.ageBand}` : '', d.incomeBand ? `income ${d.incomeBand}` : ''].filter(Boolean);
  return [
    `${input.reference}; today ${input.asOf}; ${main}`,
    ...rows,
    `C ${num(c.probabilityAlive)}|${num(c.expectedPurchases90)}|${c.churnRisk}`,
    ...(declared.length > 0 ? [`D ${declared.join(', ')}`] : []),
    ...(input.segment ? [`S ${input.segment}`] : []),
  ].join('\n');
}
