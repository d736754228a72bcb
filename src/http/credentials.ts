import type { Principal } from './context.ts';

/** Credentials are remembered at most this long: a revoked key stops working within a minute. */
export const CREDENTIAL_CACHE_MS = 60_000;

/**
 * Credentials verified in this isolate (an API key's secret hashed and compared, a token's signature
 * checked), so a busy storefront key or token costs one Map lookup, not WebCrypto, on every request.
 * Only successes are kept, never longer than a minute or past a token's expiry.
 */
export class CredentialCache {
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly now: () => number) {}

  get(credential: string): Principal | undefined {
    const hit = this.verified.get(credential);
    return hit && hit.until > this.now() ? hit.principal : undefined;
  }

  set(credential: string, principal: Principal): void {
    if (this.verified.size > 10_000) this.verified.clear();
    const expires = principal.kind === 'customer' ? principal.expiresAt : Number.POSITIVE_INFINITY;
    this.verified.set(credential, { principal, until: Math.min(this.now() + CREDENTIAL_CACHE_MS, expires) });
  }
}
