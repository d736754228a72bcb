import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify';
import { expectedPurchases, probabilityOfPurchase } from '../predictions/model/bgnbd.ts';
import { predictCustomer } from '../predictions/model/customer.ts';
import { rfm } from '../predictions/model/history.ts';
import { fitPopulation } from '../predictions/model/population.ts';
import { split, type Level } from './backtest.ts';
import { formatDay, type Transaction } from './transactions.ts';

const round = (v: number, d = 4) => Number(v.toFixed(d));

/** Fits on the rows before `asOf` and writes one row per customer, or per customer and product. */
export async function writePredictions(transactions: readonly Transaction[], options: { asOfDay: number; horizonDays: number; level: Level; out: string }): Promise<number> {
  const { asOfDay, horizonDays, level } = options;
  const { histories } = split(transactions, asOfDay, asOfDay - 1);
  if (histories.size === 0) throw new Error('no rows before --as-of');
  const model = fitPopulation([...histories.values()], asOfDay);
  const columns =
    level === 'customer'
      ? ['customer_id', 'purchases', 'expected_purchases', 'p_alive', 'p_any_purchase', 'next_purchase_date', 'expected_spend']
      : ['customer_id', 'product_id', 'purchases', 'interval_days', 'next_purchase_date', 'status'];
  const csv = stringify({ header: true, columns });
  const out = createWriteStream(options.out);
  csv.pipe(out);
  let rows = 0;
  for (const [customerId, h] of histories) {
    const p = predictCustomer(h, model, asOfDay, horizonDays);
    if (level === 'customer') {
      const s = rfm(h, asOfDay);
      const expected = expectedPurchases(model.bgnbd, s, horizonDays / 7);
      csv.write([
        customerId,
        p.purchases,
        round(expected),
        round(p.probabilityAlive),
        round(probabilityOfPurchase(model.bgnbd, s, horizonDays / 7)),
        formatDay(p.next.nextDay),
        p.expectedSpendPerPurchase !== undefined ? round(p.expectedSpendPerPurchase * expected, 2) : '',
      ]);
      rows++;
    } else {
      for (const product of p.products) {
        csv.write([customerId, product.productId, product.purchases, round(product.typicalGapDays, 1), formatDay(product.nextDay), product.status]);
        rows++;
      }
    }
  }
  csv.end();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
  return rows;
}
