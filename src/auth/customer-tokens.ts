import { sign, verify } from 'hono/jwt';
import { CUSTOMER_ID_PATTERN } from '../residency/jurisdiction.ts';

/** Storefront tokens: HS256 JWTs whose subject is the customer id, minted by the shop's backend. */
export const TOKEN_AUDIENCE = 'cadence-storefront';
export const TOKEN_ISSUER = 'cadence';
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export async function mintCustomerToken(secret: string, customerId: string, ttlSeconds: number, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return sign({ sub: customerId, aud: TOKEN_AUDIENCE, iss: TOKEN_ISSUER, iat, exp: iat + ttlSeconds }, secret, 'HS256');
}

/** Clocks of the shop's backend and ours may differ by this much. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * The customer the token speaks for and when it expires (ms), or undefined when it is invalid or expired.
 * Beyond the signature and expiry, a token must say when it was issued, not be issued in the future, and
 * live no longer than a minted one may (24 h): a correctly signed ten-year token is refused.
 */
export async function verifyCustomerToken(secret: string, token: string, nowMs = Date.now()): Promise<{ customerId: string; expiresAt: number } | undefined> {
  try {
    const payload = await verify(token, secret, { alg: 'HS256', aud: TOKEN_AUDIENCE, iss: TOKEN_ISSUER });
    const { sub, exp, iat } = payload;
    if (typeof sub !== 'string' || !CUSTOMER_ID_PATTERN.test(sub) || typeof exp !== 'number' || typeof iat !== 'number') return undefined;
    if (iat > nowMs / 1000 + CLOCK_SKEW_SECONDS || exp - iat > MAX_TOKEN_TTL_SECONDS) return undefined;
    return { customerId: sub, expiresAt: exp * 1000 };
  } catch {
    return undefined;
  }
}
