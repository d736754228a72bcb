import { z } from '@hono/zod-openapi';
import { currencyCodes } from './currencies.ts';

export const Currency = z
  .string()
  .refine((v) => currencyCodes.has(v), 'an ISO 4217 currency code in current use, in upper case')
  .openapi({ example: 'EUR' });

/** A non-negative amount with at most 4 decimals (enough for unit prices of bulk goods). */
export const Amount = z
  .number()
  .min(0)
  .max(1_000_000_000)
  .refine((v) => Math.abs(Math.round(v * 10_000) - v * 10_000) < 1e-6, 'at most 4 decimals');
