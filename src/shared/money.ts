import { z } from '@hono/zod-openapi';
import { currencyCodes } from './currencies.ts';

export const Currency = z
  .string()
  .refine((v) => currencyCodes.has(v), 'an ISO 4217 currency code in current use, in upper case')
  .openapi({ example: 'EUR' });

/**
 * At most 4 decimals. Also keeps numbers DynamoDB can store: it refuses magnitudes below 1e-130, so a
 * denormal like 5e-324 (which fast-check found) must be refused here, not fail there.
 */
export const Decimal4 = z.number().refine((v) => Number(v.toFixed(4)) === v, 'at most 4 decimals');

/** A non-negative amount with at most 4 decimals (enough for unit prices of bulk goods). */
export const Amount = Decimal4.pipe(z.number().min(0).max(1_000_000_000));

/** A positive quantity with at most 4 decimals (weights and volumes are fractional). */
export const Quantity = Decimal4.pipe(z.number().positive().max(1_000_000));
