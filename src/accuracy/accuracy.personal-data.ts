import type { PersonalData } from '../privacy/personal-data.ts';
import { dayOf } from '../shared/days.ts';
import type { AccuracyStore, HeldRow } from './accuracy.repository.ts';
import { keptDays, referenceOf } from './accuracy.service.ts';

export interface AccuracyPersonalDataDeps {
  store: AccuracyStore;
  /** The same keyed hash the snapshots are made with (AccuracyServiceDeps.hash). */
  hash(customerId: string): Promise<string>;
  now: () => number;
}

/**
 * The production-accuracy snapshots as an owner of personal data (decision 141): a snapshot row and the
 * purchase days kept for a scoring name a customer by a keyed reference, in the jurisdiction's predictions
 * table. Export lists what every kept day holds under the customer's reference; erasure removes it from
 * each, so the next scoring no longer counts the customer. The reference is computed as the snapshot
 * computes it; the days are those a snapshot can still be kept on (its 90-day horizon and a little more).
 */
export class AccuracyPersonalData implements PersonalData {
  readonly table = 'predictions' as const;

  constructor(private readonly deps: AccuracyPersonalDataDeps) {}

  async *exportOf(customerId: string): AsyncIterable<HeldRow> {
    yield* this.deps.store.heldFor(await referenceOf(this.deps.hash, customerId), keptDays(dayOf(this.deps.now())));
  }

  async eraseOf(customerId: string): Promise<number> {
    return this.deps.store.eraseRef(await referenceOf(this.deps.hash, customerId), keptDays(dayOf(this.deps.now())));
  }
}
