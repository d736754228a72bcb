import type { Context } from 'hono';
import type { TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * A JSON answer whose body was serialized (and validated) when it was stored: sent as it is, typed as the
 * JSON it is, so neither the server parses and stringifies it again nor the typed client loses its type.
 */
export function jsonBytes<T, S extends ContentfulStatusCode>(c: Context, body: string | Uint8Array, status: S, headers: Record<string, string>): Response & TypedResponse<T, S, 'json'> {
  return c.body(body as string, status, { ...headers, 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, S, 'json'>;
}
