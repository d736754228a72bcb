import type { Jurisdiction } from '../regions/region.schema.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const RANDOM_CHARS = 20; // 100 bits

const encode = (bytes: Uint8Array) => {
  let out = '';
  for (const b of bytes.slice(0, RANDOM_CHARS)) out += ALPHABET[b & 31];
  return out;
};

/** Random lower-case base32 characters (5 bits each) from the platform's CSPRNG. */
export function randomId(chars: number): string {
  let out = '';
  for (const b of crypto.getRandomValues(new Uint8Array(chars))) out += ALPHABET[b & 31];
  return out;
}

export function newCustomerId(jurisdiction: Jurisdiction): string {
  return `cus_${jurisdiction.toLowerCase()}_${encode(crypto.getRandomValues(new Uint8Array(RANDOM_CHARS)))}`;
}

/**
 * The id a create with an idempotency key gets: derived from the caller's key id and the idempotency key,
 * so a retried create (or one a failover sent twice) lands on the same customer.
 */
export async function idempotentCustomerId(jurisdiction: Jurisdiction, scope: string, idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${scope}\u0000${idempotencyKey}`)));
  return `cus_${jurisdiction.toLowerCase()}_${encode(digest)}`;
}

/** Shop identifiers (SKUs, order ids, line ids): printable, no separators we use in keys. */
export const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$/;
