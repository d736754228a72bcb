import { z } from 'zod';
import type { Scope } from '../auth/api-keys.ts';
import { Jurisdiction } from '../regions/region.schema.ts';

/** The scope that opens the operator page (admin keys have every scope). */
export const OPERATOR_SCOPE: Scope = 'ops:read';

/** The login form: one field, an API key (or, refused with its own message, a customer token). */
export const LoginForm = z.object({ key: z.string().trim().min(1).max(2048) }).strict();

export const DashboardQuery = z.object({ jurisdiction: Jurisdiction.optional() }).strict();

export const StatsQuery = z.object({ jurisdiction: Jurisdiction.optional(), phase: z.coerce.number().int().min(1).max(10_000).optional() }).strict();
