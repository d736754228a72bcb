import type { Scope } from '../auth/api-keys.ts';
import { hasScope } from '../http/auth.ts';
import type { CredentialCache } from '../http/credentials.ts';
import type { Region } from '../regions/region.schema.ts';
import { jurisdictionOfCustomerId } from '../residency/jurisdiction.ts';
import type { ViewCache, ViewName } from './view-cache.ts';

/** What the fast path needs of a request: Node's IncomingMessage and a fetch Request both give it. */
export interface MinimalRequest {
  method: string;
  /** Path and query, as in the request line. */
  url: string;
  header(name: string): string | undefined;
}

export interface FastAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
}

export type FastPath = (req: MinimalRequest) => FastAnswer | undefined;

/** The storefront views the fast path answers, with the scope an API key needs for each. */
export const STOREFRONT_VIEWS: Readonly<Record<string, { view: ViewName; scope: Scope }>> = {
  predictions: { view: 'predictions', scope: 'predictions:read' },
  segment: { view: 'segment', scope: 'segments:read' },
  insights: { view: 'insights', scope: 'insights:read' },
  intelligence: { view: 'intelligence', scope: 'customers:read' },
};

/** The variant of a view a principal sees: a customer's own token sees the storefront variant. */
export const variantFor = (view: ViewName, customerToken: boolean) => (customerToken && (view === 'insights' || view === 'intelligence') ? 'customer' : '');

/**
 * The storefront's warm reads at the cost of writing bytes: a request whose credential this isolate has
 * verified, for a customer of this jurisdiction, for a view this isolate has cached, is answered from the
 * cache with no router, no middleware, no validation and no JSON. Anything else (first sight of a
 * credential, a cold view, a foreign customer, a query, a browser's CORS request) returns undefined and
 * goes through the full app, which answers exactly as before and fills the caches.
 */
export function storefrontFastPath(deps: { region: Region; views: ViewCache; credentials: CredentialCache; now: () => number }): FastPath {
  const servedBy = deps.region.id;
  const cacheControl = `private, max-age=${Math.round(deps.views.ttlMs / 1000)}`;
  return (req) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url.startsWith('/v1/customers/') || req.url.includes('?')) return undefined;
    const parts = req.url.split('/');
    if (parts.length !== 5) return undefined;
    const customerId = parts[3]!;
    const route = STOREFRONT_VIEWS[parts[4]!];
    if (!route || req.header('origin') !== undefined) return undefined;
    const auth = req.header('authorization');
    if (!auth || !auth.startsWith('Bearer ')) return undefined;
    const principal = deps.credentials.get(auth.slice(7));
    if (!principal) return undefined;
    const asCustomer = principal.kind === 'customer';
    if (asCustomer ? principal.customerId !== customerId : !hasScope(principal, route.scope)) return undefined;
    if (jurisdictionOfCustomerId(customerId) !== deps.region.jurisdiction) return undefined;
    const entry = deps.views.get(customerId, route.view, variantFor(route.view, asCustomer));
    if (!entry) return undefined;
    const age = Math.max(0, Math.floor((deps.now() - (entry.computedAt ?? entry.storedAt)) / 1000));
    const headers = { etag: entry.etag, 'cache-control': cacheControl, age: String(age), 'cadence-served-by': servedBy };
    const ifNoneMatch = req.header('if-none-match');
    if (ifNoneMatch !== undefined && (ifNoneMatch === entry.etag || ifNoneMatch.split(',').some((t) => t.trim() === entry.etag || t.trim() === `W/${entry.etag}`))) {
      return { status: 304, headers };
    }
    return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, ...(req.method === 'GET' ? { body: entry.body } : {}) };
  };
}

/** A fetch Request as the fast path reads it. */
export function fromRequest(request: Request): MinimalRequest {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return { method: request.method, url: start < 0 ? '/' : url.slice(start), header: (name) => request.headers.get(name) ?? undefined };
}

/** The fast path's answer as a fetch Response. */
export const toResponse = (answer: FastAnswer): Response => new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
