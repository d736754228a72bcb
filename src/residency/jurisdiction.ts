import type { Jurisdiction } from '../regions/region.schema.ts';
import { randomId } from '../shared/ids.ts';

/**
 * The jurisdiction of every id Cadence hands out, read from the id itself: routing never needs a global
 * lookup of personal data. Customers carry it (`cus_eu_…`, `cus_row_…`); analysis jobs carry their
 * customer; daily batches carry it as a prefix (`eu-2026-11-22`).
 */
export const CUSTOMER_ID_PATTERN = /^cus_(eu|row)_[0-9a-hjkmnp-tv-z]{20}$/;

export function jurisdictionOfCustomerId(id: string): Jurisdiction | undefined {
  const m = CUSTOMER_ID_PATTERN.exec(id);
  if (!m) return undefined;
  return m[1] === 'eu' ? 'EU' : 'ROW';
}

/** Job ids carry the customer (and so the jurisdiction): `job_eu_<customer part>_<random>`. */
const JOB_ID_PATTERN = /^job_(eu|row)_([0-9a-hjkmnp-tv-z]{20})_([0-9a-hjkmnp-tv-z]{12})$/;

export const jobIdFor = (customerId: string) => `job_${customerId.slice(4)}_${randomId(12)}`;

export function customerOfJob(jobId: string): string | undefined {
  const m = JOB_ID_PATTERN.exec(jobId);
  return m ? `cus_${m[1]}_${m[2]}` : undefined;
}

/** Per-jurisdiction ids of aggregate records (daily batches, segment runs): `eu-…`, `row-…`. */
export const JURISDICTION_PREFIXED_ID = /^(eu|row)-[A-Za-z0-9._-]{1,64}$/;

export function jurisdictionOfPrefixedId(id: string): Jurisdiction | undefined {
  const m = JURISDICTION_PREFIXED_ID.exec(id);
  if (!m) return undefined;
  return m[1] === 'eu' ? 'EU' : 'ROW';
}

export const otherJurisdiction = (j: Jurisdiction): Jurisdiction => (j === 'EU' ? 'ROW' : 'EU');

/** Privacy requests carry their jurisdiction: `prq_eu_…`, `prq_row_…`. */
export function jurisdictionOfRequestId(id: string): Jurisdiction | undefined {
  const m = /^prq_(eu|row)_/.exec(id);
  if (!m) return undefined;
  return m[1] === 'eu' ? 'EU' : 'ROW';
}
