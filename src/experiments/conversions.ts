import type { PurchaseLine } from '../purchases/purchases.model.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { inWindow } from './model/attribution.ts';
import { MAX_WINDOW_DAYS, type Experiment } from './experiments.schemas.ts';
import type { ConversionLine, ExposureRepository } from './exposures.repository.ts';

export interface ConversionDeps {
  exposures: Pick<ExposureRepository, 'exposuresOf' | 'putConversions'>;
  /** Every definition (cached): none at all means no customer can have an exposure to attribute to. */
  definitions(): Promise<readonly Experiment[]>;
}

/**
 * Told about every purchase line ingestion stored (new or re-sent), it attributes each line made after one
 * of the customer's exposures, and within the longest window a metric may have, to that exposure, under a
 * key derived from the exposure and the line: re-sent lines land on the same item, and lines arriving late
 * or out of order are judged by when they were bought, not when they arrived.
 */
export async function attributePurchases(deps: ConversionDeps, lines: readonly PurchaseLine[]): Promise<number> {
  if (lines.length === 0 || (await deps.definitions()).length === 0) return 0;
  const byCustomer = new Map<string, PurchaseLine[]>();
  for (const l of lines) byCustomer.set(l.customerId, [...(byCustomer.get(l.customerId) ?? []), l]);
  const written = await mapLimit([...byCustomer], 8, async ([customerId, own]) => {
    const exposures = await deps.exposures.exposuresOf(customerId);
    const out = new Map<string, ConversionLine>();
    for (const e of exposures) {
      for (const l of own) {
        if (!inWindow(e.exposedAt, l.purchasedAt, MAX_WINDOW_DAYS)) continue;
        out.set(`${e.experimentKey}#${e.phase}#${l.orderId}#${l.lineId}`, {
          kind: 'conversion',
          customerId,
          experimentKey: e.experimentKey,
          phase: e.phase,
          orderId: l.orderId,
          lineId: l.lineId,
          purchasedAt: l.purchasedAt,
          amount: l.quantity * l.unitPrice,
          currency: l.currency,
        });
      }
    }
    if (out.size > 0) await deps.exposures.putConversions([...out.values()]);
    return out.size;
  });
  return written.reduce((s, n) => s + n, 0);
}
