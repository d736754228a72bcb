import type { Transaction } from './transactions.ts';

/**
 * Nets returns (rows with `returned: true`, e.g. Online Retail's `C` invoices) against the customer's
 * purchases of the same product: the latest earlier purchases first, as a return usually follows the
 * order it undoes. A purchase returned in full disappears (as a cancelled order would: it never happened
 * for the cadence); one returned in part keeps the rest, with its amount in proportion. A return with no
 * earlier purchase of the product to net against (bought before the data starts) is dropped.
 */
export function netReturns(transactions: readonly Transaction[]): Transaction[] {
  if (!transactions.some((t) => t.returned)) return [...transactions];
  const kept: Transaction[] = transactions.filter((t) => !t.returned).map((t) => ({ ...t }));
  const byPair = new Map<string, Transaction[]>();
  for (const t of kept) {
    const key = `${t.customerId}\u0000${t.productId ?? ''}`;
    const list = byPair.get(key) ?? [];
    list.push(t);
    byPair.set(key, list);
  }
  for (const list of byPair.values()) list.sort((a, b) => a.day - b.day);
  const returns = transactions.filter((t) => t.returned).sort((a, b) => a.day - b.day);
  for (const r of returns) {
    const list = byPair.get(`${r.customerId}\u0000${r.productId ?? ''}`);
    if (!list) continue;
    let left = r.quantity;
    for (let i = list.length - 1; i >= 0 && left > 0; i--) {
      const p = list[i]!;
      if (p.day > r.day || p.quantity <= 0) continue;
      const take = Math.min(left, p.quantity);
      p.amount = p.quantity > 0 ? p.amount * ((p.quantity - take) / p.quantity) : 0;
      p.quantity -= take;
      left -= take;
    }
  }
  return kept.filter((t) => t.quantity > 0);
}
