import { z } from 'zod';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';

/** Version of the event envelope; a consumer refuses (skips and counts) envelopes it does not know. */
export const EVENT_VERSION = 1;

const Envelope = {
  v: z.literal(EVENT_VERSION),
  /** Stable: the same fact always has the same id, however often it is published (consumers dedupe by it). */
  id: z.string().min(1).max(512),
  jurisdiction: z.enum(['EU', 'ROW']),
  /** The deployment region that accepted the fact. */
  region: z.string(),
  /** When it happened (a purchase: when it was bought). */
  at: z.iso.datetime(),
  customerId: z.string(),
};

export const PurchaseLineEvent = z.object({
  ...Envelope,
  type: z.literal('purchase.line'),
  orderId: z.string(),
  lineId: z.string(),
  productId: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  currency: z.string(),
});

export const CustomerCreatedEvent = z.object({ ...Envelope, type: z.literal('customer.created') });

export const ConsentChangedEvent = z.object({ ...Envelope, type: z.literal('consent.changed'), profiling: z.boolean() });

/** The first exposure of a customer (or one of their devices) to a variation of an experiment's phase. */
export const ExperimentExposureEvent = z.object({ ...Envelope, type: z.literal('experiment.exposure'), experimentKey: z.string(), phase: z.number().int(), variationId: z.number().int(), variationKey: z.string() });

/** An erasure was requested: downstream copies of the customer's data must go (Cadence's own consumer skips them already). */
export const CustomerErasedEvent = z.object({ ...Envelope, type: z.literal('customer.erased') });

/**
 * The customer's own predicted next purchase entered the due window (status `due_soon` or `due`), as a
 * recompute of their predictions saw it. One per purchase interval: the id names the last purchase day,
 * so every later recompute that still sees them due carries the same id (decision 125).
 */
export const CustomerDueEvent = z.object({ ...Envelope, type: z.literal('customer.due'), lastPurchase: z.iso.date(), status: z.enum(['due_soon', 'due']) });

/** Everything Cadence publishes to a jurisdiction's stream, as one union (partition key: the customer id). */
export const CadenceEvent = z.discriminatedUnion('type', [PurchaseLineEvent, CustomerCreatedEvent, ConsentChangedEvent, ExperimentExposureEvent, CustomerErasedEvent, CustomerDueEvent]);
export type CadenceEvent = z.infer<typeof CadenceEvent>;
export type PurchaseLineEvent = z.infer<typeof PurchaseLineEvent>;

/** A purchase line's event id: derived from what makes the line one line (its customer, order and line). */
export const purchaseEventId = (l: Pick<PurchaseLine, 'customerId' | 'orderId' | 'lineId'>) =>
  `evt:${l.customerId}:purchase.line:${l.orderId.length}:${l.orderId}:${l.lineId}`;

export function purchaseLineEvent(line: PurchaseLine, where: { jurisdiction: Jurisdiction; region: string }): PurchaseLineEvent {
  return {
    v: EVENT_VERSION,
    id: purchaseEventId(line),
    type: 'purchase.line',
    ...where,
    at: line.purchasedAt,
    customerId: line.customerId,
    orderId: line.orderId,
    lineId: line.lineId,
    productId: line.productId,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    currency: line.currency,
  };
}

export function customerCreatedEvent(customerId: string, createdAt: string, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent {
  return { v: EVENT_VERSION, id: `evt:${customerId}:customer.created`, type: 'customer.created', ...where, at: createdAt, customerId };
}

/** One consent change; `version` (the profile's) makes a re-sent change the same event. */
export function consentChangedEvent(customerId: string, profiling: boolean, version: string, at: string, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent {
  return { v: EVENT_VERSION, id: `evt:${customerId}:consent:${version}`, type: 'consent.changed', ...where, at, customerId, profiling };
}

/** One (customer, experiment, phase, variation): shown again, or on another device in it, it is the same event. */
export function exposureEvent(e: { customerId: string; experimentKey: string; phase: number; variationId: number; variationKey: string; exposedAt: string }, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent {
  const { customerId, experimentKey, phase, variationId, variationKey } = e;
  return { v: EVENT_VERSION, id: `evt:${customerId}:exposure:${phase}:${variationId}:${experimentKey}`, type: 'experiment.exposure', ...where, at: e.exposedAt, customerId, experimentKey, phase, variationId, variationKey };
}

export function customerErasedEvent(customerId: string, at: string, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent {
  return { v: EVENT_VERSION, id: `evt:${customerId}:customer.erased`, type: 'customer.erased', ...where, at, customerId };
}

/** A customer seen due (`at`: when the recompute saw it), once per interval since `lastPurchase` (YYYY-MM-DD). */
export function customerDueEvent(customerId: string, lastPurchase: string, status: 'due_soon' | 'due', at: string, where: { jurisdiction: Jurisdiction; region: string }): CadenceEvent {
  return { v: EVENT_VERSION, id: `evt:${customerId}:due:${lastPurchase}`, type: 'customer.due', ...where, at, customerId, lastPurchase, status };
}

/** The record as it goes on the stream. */
export const encodeEvent = (e: CadenceEvent) => ({ partitionKey: e.customerId, data: JSON.stringify(e) });

/** A record read back; undefined when it is not a Cadence event this version understands. */
export function decodeEvent(data: string): CadenceEvent | undefined {
  try {
    const parsed = CadenceEvent.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
