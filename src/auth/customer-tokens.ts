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

/** The customer the token speaks for and when it expires (ms), or undefined when it is invalid or expired. */
export async function verifyCustomerToken(secret: string, token: string): Promise<{ customerId: string; expiresAt: number } | undefined> {
  try {
    const payload = await verify(token, secret, { alg: 'HS256', aud: TOKEN_AUDIENCE, iss: TOKEN_ISSUER });
    if (typeof payload.sub !== 'string' || !CUSTOMER_ID_PATTERN.test(payload.sub) || typeof payload.exp !== 'number') return undefined;
    return { customerId: payload.sub, expiresAt: payload.exp * 1000 };
  } catch {
    return undefined;
  }
}
