import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { z } from 'zod';
import { Scope } from '../auth/api-keys.ts';

/** The operator page's session cookie: HttpOnly, SameSite=Strict, Secure over https, scoped to /dashboard. */
export const SESSION_COOKIE = 'cadence_ops';
export const SESSION_PATH = '/dashboard';
/** A session lasts this long; then the operator logs in again (the key is never stored). */
export const SESSION_TTL_SECONDS = 30 * 60;

/** What the cookie carries: the key's id and scopes and when the session ends. Never the key. */
const SessionPayload = z.object({ keyId: z.string().min(1).max(64), scopes: z.array(Scope), exp: z.number().int() }).strict();
export type Session = z.infer<typeof SessionPayload>;

/**
 * The cookie's HMAC key, derived from the deployment's token secret (shared by every deployment, so a
 * session opened at one edge is read by the deployment a jurisdiction's page is forwarded to). A label
 * keeps the two uses apart: a session cookie is never a customer token, and the other way round.
 */
export async function sessionSecret(jwtSecret: string): Promise<ArrayBuffer> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', key, enc.encode('cadence operator page session v1'));
}

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';

export async function openSession(c: Context, secret: ArrayBuffer, keyId: string, scopes: readonly Scope[], nowMs: number): Promise<void> {
  const payload: Session = { keyId, scopes: [...scopes], exp: Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS };
  await setSignedCookie(c, SESSION_COOKIE, JSON.stringify(payload), secret, {
    path: SESSION_PATH,
    httpOnly: true,
    sameSite: 'Strict',
    secure: secure(c),
    maxAge: SESSION_TTL_SECONDS,
  });
}

/** The session the request carries, if its signature holds, it parses and it has not expired. */
export async function readSession(c: Context, secret: ArrayBuffer, nowMs: number): Promise<Session | undefined> {
  const value = await getSignedCookie(c, secret, SESSION_COOKIE);
  if (!value) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = SessionPayload.safeParse(json);
  if (!parsed.success || parsed.data.exp * 1000 <= nowMs) return undefined;
  return parsed.data;
}

export function closeSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: SESSION_PATH, httpOnly: true, sameSite: 'Strict', secure: secure(c) });
}
