import type { Context, MiddlewareHandler } from 'hono';
import { API_KEY_PATTERN, constantTimeEqual, sha256Hex, type ApiKeyRecord, type ApiKeyRepository, type Scope } from '../auth/api-keys.ts';
import { verifyCustomerToken } from '../auth/customer-tokens.ts';
import { limitOfKey } from '../ratelimit/limits.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { AppEnv, Principal } from './context.ts';
import type { CredentialCache } from './credentials.ts';
import { notFound, Problem } from './problem.ts';

/** Key records are cached per isolate for this long: a revoked key stops working within a minute. */
const KEY_CACHE_MS = 60_000;

export interface AuthDeps {
  apiKeys: ApiKeyRepository;
  jwtSecret: string;
  /** Verified credentials, shared with the storefront fast path. */
  credentials: CredentialCache;
  now: () => number;
}

export function authenticate(deps: AuthDeps): MiddlewareHandler<AppEnv> {
  // Unknown key ids are remembered too (null), so a flood of made-up keys does not reach the table; while
  // the global store is unreachable, the last known record serves (a revocation then waits for the store).
  const keys = new TtlCache<ApiKeyRecord | null>(KEY_CACHE_MS, 10_000, deps.now, 'api-keys');
  const lookup = async (keyId: string) => (await readThrough(keys, keyId, async () => (await deps.apiKeys.get(keyId)) ?? null, deps.now))?.value ?? undefined;

  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new Problem(401, 'auth.missing', 'Authorization: Bearer <API key or customer token> is required');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new Problem(401, 'auth.invalid', 'Authorization must be "Bearer <credential>"');
    const credential = m[1]!;
    let principal = deps.credentials.get(credential);
    if (!principal) {
      principal = await principalOf(credential, lookup, deps.jwtSecret);
      deps.credentials.set(credential, principal);
    }
    c.set('principal', principal);
    await next();
  };
}

/** Who a credential (an API key or a customer token) speaks for; a Problem 401 when it is not valid. */
export async function principalOf(
  credential: string,
  lookup: (keyId: string) => Promise<ApiKeyRecord | undefined>,
  jwtSecret: string,
): Promise<Principal> {
  const invalid = () => new Problem(401, 'auth.invalid', 'The credential is not valid');
  const key = API_KEY_PATTERN.exec(credential);
  if (key) {
    const record = await lookup(key[1]!);
    // Hash even when the id is unknown so both paths cost the same.
    const digest = await sha256Hex(key[2]!);
    if (!record || record.revokedAt || !constantTimeEqual(digest, record.secretSha256)) throw invalid();
    return { kind: 'apiKey', keyId: record.keyId, scopes: new Set(record.scopes), limit: limitOfKey(record) };
  }
  // Token times are checked against the real clock, as hono/jwt checks `exp` against it.
  const token = await verifyCustomerToken(jwtSecret, credential);
  if (!token) throw invalid();
  return { kind: 'customer', customerId: token.customerId, expiresAt: token.expiresAt };
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.kind === 'apiKey' && (principal.scopes.has(scope) || principal.scopes.has('admin'));
}

const forbidden = (scope: Scope) => new Problem(403, 'auth.forbidden', `This key lacks the "${scope}" scope`, { requiredScope: scope });

/** API keys need `scope`; customer tokens are refused. */
export function requireScope(c: Context<AppEnv>, scope: Scope): void {
  if (!hasScope(c.var.principal, scope)) throw forbidden(scope);
}

/**
 * API keys need `scope`; a customer token may act on its own customer only. Any other customer answers
 * 404, exactly as a customer that does not exist, so a token cannot probe which ids exist.
 */
export function requireScopeOrSelf(c: Context<AppEnv>, scope: Scope, customerId: string): void {
  const p = c.var.principal;
  if (p.kind === 'customer') {
    if (p.customerId !== customerId) throw notFound('customer');
    return;
  }
  if (!hasScope(p, scope)) throw forbidden(scope);
}

/** Reading the catalog is open to any customer token; API keys need `catalog:read`. */
export function requireScopeOrCustomer(c: Context<AppEnv>, scope: Scope): void {
  if (c.var.principal.kind === 'customer') return;
  if (!hasScope(c.var.principal, scope)) throw forbidden(scope);
}

/**
 * Authorisation as route middleware, so it runs before the route's validators: a caller without the
 * right gets 403 (or 404 for another customer's token) whatever the body says, never a 400 that reveals
 * what the route expects.
 */
export const allow = {
  /** API keys with `scope` (or admin); customer tokens are refused. */
  scope: (scope: Scope): MiddlewareHandler<AppEnv> => async (c, next) => {
    requireScope(c, scope);
    await next();
  },
  /** API keys with `scope`, or the token of the customer the path names (`:id`). */
  scopeOrSelf: (scope: Scope): MiddlewareHandler<AppEnv> => async (c, next) => {
    requireScopeOrSelf(c, scope, c.req.param('id') ?? '');
    await next();
  },
  /** API keys with `scope`, or any customer token (non-personal reads such as the catalog). */
  scopeOrCustomer: (scope: Scope): MiddlewareHandler<AppEnv> => async (c, next) => {
    requireScopeOrCustomer(c, scope);
    await next();
  },
};
