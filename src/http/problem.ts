import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one error type the API throws on purpose. It renders itself as RFC 9457 problem+json with a stable
 * `code` clients can match on; the `title` is for people and may change.
 */
export class Problem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${title}`);
    this.name = 'Problem';
  }

  toJSON(): Record<string, unknown> {
    return {
      type: `https://cadence.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...this.extra,
    };
  }

  toResponse(headers?: HeadersInit): Response {
    const h = new Headers(headers);
    h.set('content-type', 'application/problem+json');
    return new Response(JSON.stringify(this.toJSON()), { status: this.status, headers: h });
  }
}

export const notFound = (what: 'customer' | 'product' | 'route') =>
  new Problem(404, `${what === 'route' ? 'request' : `${what}s`}.notFound`, `${what[0]!.toUpperCase()}${what.slice(1)} not found`);

/** Anything about a customer who was erased at their request (the suppression list knows the id or email). */
export const erasedCustomer = (extra: Record<string, unknown> = {}) =>
  new Problem(410, 'customers.erased', 'This customer was erased at their request; nothing about them is stored or accepted', extra);
