import type { Scope } from '../auth/api-keys.ts';
import type { ResolvedLimit } from '../ratelimit/limits.ts';

/** Who is calling: a server or operator with an API key, or a storefront customer with a token. */
export type Principal =
  | { kind: 'apiKey'; keyId: string; scopes: ReadonlySet<Scope>; /** the key's rate limit, from its record */ limit: ResolvedLimit }
  | { kind: 'customer'; customerId: string; /** ms since epoch */ expiresAt: number };

export interface AppEnv {
  Variables: { principal: Principal };
}
