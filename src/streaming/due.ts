import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { formatDay } from '../shared/days.ts';
import { customerDueEvent, type CadenceEvent } from './events.model.ts';

/** The customer's own next purchase is in its due window (decision 125): what "became due" counts. */
const isDue = (p: CustomerPrediction): p is CustomerPrediction & { next: { status: 'due_soon' | 'due' } } => p.next.status === 'due_soon' || p.next.status === 'due';

/** The due events of these freshly computed predictions (the customers seen due, once per purchase interval). */
export function dueEvents(computed: readonly { customerId: string; prediction: CustomerPrediction }[], at: string, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent[] {
  return computed.filter((c) => isDue(c.prediction)).map((c) => customerDueEvent(c.customerId, formatDay(c.prediction.lastDay), c.prediction.next.status as 'due_soon' | 'due', at, where));
}

/**
 * Publishes a `customer.due` event whenever the predictions' recomputes see a customer due: after a
 * purchase (the request path's recompute) and during the daily refit (each page's customers, in one publish).
 * Best effort, as the predictions' listeners are: an event neither the stream nor the outbox took is
 * published again, with the same id, by the next recompute that sees the customer due.
 */
export function publishDue(predictions: Pick<PredictionService, 'onComputed' | 'onRefitted'>, publish: (events: CadenceEvent[]) => Promise<unknown>, where: { jurisdiction: Jurisdiction; region: string }, now: () => number): void {
  const at = () => new Date(now()).toISOString();
  predictions.onComputed(async (customerId, _history, prediction) => {
    const events = dueEvents([{ customerId, prediction }], at(), where);
    if (events.length > 0) await publish(events);
  });
  predictions.onRefitted(async (outcome) => {
    if (outcome.kind !== 'page') return;
    const events = dueEvents(outcome.customers, at(), where);
    if (events.length > 0) await publish(events);
  });
}
