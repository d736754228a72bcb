import type { Jurisdiction } from '../regions/region.schema.ts';

export type PrivacyRequestStatus = 'received' | 'running' | 'completed' | 'failed';

/**
 * A privacy request as recorded for the audit: who asked and when, what was done, counts per table. The
 * subject is a keyed hash of the customer id, never the id itself, so the record survives the erasure
 * without keeping personal data.
 */
export interface PrivacyRequest {
  id: string;
  type: 'erasure';
  jurisdiction: Jurisdiction;
  subject: string;
  status: PrivacyRequestStatus;
  /** An API key id, or "customer" for the customer's own token. */
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  /** Items erased per table so far. */
  erased: Record<string, number>;
  /** Items still found per table at the last check (empty when completed). */
  remaining: Record<string, number>;
  attempts: number;
  error?: string;
  /** The tracked job that erases (`GET /v1/ops/jobs/{id}`: owners done of owners, failures by owner). */
  jobId?: string;
}

/** Request ids carry the jurisdiction (residency routes them) and derive from the subject (idempotent). */
export const REQUEST_ID_PATTERN = /^prq_(eu|row)_[0-9a-f]{24}$/;
export const requestIdFor = (jurisdiction: Jurisdiction, subject: string) => `prq_${jurisdiction.toLowerCase()}_${subject.slice(0, 24)}`;
