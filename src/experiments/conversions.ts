import type { PurchaseLine } from '../purchases/purchases.model.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { inWindow } from './model/attribution.ts';
import { MAX_WINDOW_DAYS, type Experiment } from './experiments.schemas.ts';
import type { ConversionLine, ExposureRepository } from './exposures.repository.ts';

export interface ConversionDeps {
  exposures: Pick<ExposureRepository, 'exposuresOf' | 'putConversions'>;
  /** Every definition (cached): none at all means no customer can have an exposure to attribute to. */
  definitions(): Promise<readonly Experiment[]>;
  /** Whether a line of the customer's is cancelled (a re-sent line of a cancelled order converts nothing). */
  cancelledOf?(customerId: string): Promise<(orderId: string, lineId: string) => boolean>;
}

/** The stored cancellations a withdrawal acts on (the purchases feature's stored form). */
export interface CancellationLine {
  customerId: string;
  orderId: string;
  /** The cancelled line, or undefined for the whole order. */
  cancelledLineId: string | undefined;
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
    const cancelled = exposures.length > 0 && deps.cancelledOf ? await deps.cancelledOf(customerId) : () => false;
    for (const e of exposures) {
      for (const l of own) {
        if (!inWindow(e.exposedAt, l.purchasedAt, MAX_WINDOW_DAYS) || cancelled(l.orderId, l.lineId)) continue;
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

/**
 * A cancelled order (or line) is as if never bought: its attributed lines leave every experiment's
 * results. Deleting by the stored keys is idempotent, so a re-sent cancellation changes nothing more.
 */
export async function withdrawConversions(exposures: Pick<ExposureRepository, 'conversionsOf' | 'deleteConversions'>, cancellations: readonly CancellationLine[]): Promise<number> {
  const byCustomer = new Map<string, CancellationLine[]>();
  for (const c of cancellations) byCustomer.set(c.customerId, [...(byCustomer.get(c.customerId) ?? []), c]);
  const withdrawn = await mapLimit([...byCustomer], 8, async ([customerId, own]) => {
    const hit = (l: ConversionLine) => own.some((c) => c.orderId === l.orderId && (c.cancelledLineId === undefined || c.cancelledLineId === l.lineId));
    const gone = (await exposures.conversionsOf(customerId)).filter(hit);
    if (gone.length > 0) await exposures.deleteConversions(gone);
    return gone.length;
  });
  return withdrawn.reduce((s, n) => s + n, 0);
}
