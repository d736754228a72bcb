import { pseudonymousInput, type PseudonymousInput } from '../../src/insights/prompt.ts';
import { generateDemoData } from '../../src/local/demo-data.ts';
import { predictCustomer } from '../../src/predictions/model/customer.ts';
import { buildHistory } from '../../src/predictions/model/history.ts';
import { defaultPopulationModel } from '../../src/predictions/model/population.ts';
import { toView } from '../../src/predictions/view.ts';

/**
 * The model inputs of demo customers with at least two purchase days, built as a job builds them (last 20
 * lines newest first with catalog names, predictions from the models), without a store: for token counts.
 */
export function demoInputs(customers: number, now = Date.parse('2026-11-22T12:00:00Z')): PseudonymousInput[] {
  const data = generateDemoData({ customers, now });
  const products = new Map(data.products.map((p) => [p.id, p]));
  const today = Math.floor(now / 86_400_000);
  const out: PseudonymousInput[] = [];
  for (const c of data.customers) {
    const lines = data.lines.filter((l) => l.customerId === c.id).sort((a, b) => b.purchasedAt.localeCompare(a.purchasedAt));
    if (new Set(lines.map((l) => l.purchasedAt.slice(0, 10))).size < 2) continue;
    const events = lines.map((l) => ({ day: Math.floor(Date.parse(l.purchasedAt) / 86_400_000), productId: l.productId, category: products.get(l.productId)?.category, quantity: l.quantity, amount: l.quantity * l.unitPrice, currency: l.currency }));
    const model = defaultPopulationModel(today);
    const view = toView(c.id, predictCustomer(buildHistory(events), model, today), { model }, lines.length, new Date(now).toISOString());
    const name = (id: string) => products.get(id)?.name ?? id;
    const purchases = lines.slice(0, 20).map((l) => ({ date: l.purchasedAt.slice(0, 10), product: name(l.productId), category: products.get(l.productId)?.category, quantity: l.quantity, unitPrice: l.unitPrice, currency: l.currency }));
    out.push(pseudonymousInput(`ref_${c.id.slice(-8)}`, purchases.map(({ category, ...p }) => (category ? { ...p, category } : p)), view, name, {}, undefined, new Date(now).toISOString().slice(0, 10)));
  }
  return out;
}
