import type { Scope } from '../auth/api-keys.ts';
import { hasScope } from '../http/auth.ts';
import type { CredentialCache } from '../http/credentials.ts';
import type { Region } from '../regions/region.schema.ts';
import type { CachedView, ViewCache, ViewName } from './view-cache.ts';
import { metrics } from '../ops/metrics.ts';
import { rateLimited, type RateLimiter } from '../ratelimit/limiter.ts';
import type { Principal } from '../http/context.ts';

/** What the fast path needs of a request: Node's IncomingMessage and a fetch Request both give it. */
export interface MinimalRequest {
  method: string;
  /** Path and query, as in the request line. */
  url: string;
  header(name: string): string | undefined;
}

export interface FastAnswer {
  status: 200 | 304 | 429;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  /** Who was served (the Worker asks its colo-wide rate-limiting binding about them before answering). */
  principal?: Principal;
  /**
   * The entry was served past its TTL and this request took on re-reading it: the host runs the same
   * request through the app after answering (a Worker's waitUntil), which puts the entry back fresh.
   */
  revalidate?: true;
}

export type FastPath = (req: MinimalRequest) => FastAnswer | undefined;

/**
 * The storefront views the fast path answers, with the scope an API key needs for each. A view `byQuery`
 * is cached per query string as it came (recommendations: `?limit=&context=…`): the full app put it under
 * that exact string after validating it, so a query it refused, or one written differently, is never
 * found and goes through the app.
 */
export const STOREFRONT_VIEWS: Readonly<Record<string, { view: ViewName; scope: Scope; byQuery?: true }>> = {
  predictions: { view: 'predictions', scope: 'predictions:read' },
  segment: { view: 'segment', scope: 'segments:read' },
  insights: { view: 'insights', scope: 'insights:read' },
  intelligence: { view: 'intelligence', scope: 'customers:read' },
  recommendations: { view: 'recommendations', scope: 'recommendations:read', byQuery: true },
};

const VIEW_ROUTES = new Map(Object.entries(STOREFRONT_VIEWS));
const PREFIX = '/v1/customers/';

/**
 * The jurisdiction a customer id names, by its prefix alone: the fast path only answers from entries the
 * app stored for ids it validated, so a malformed id simply finds nothing.
 */
const homeOf = (id: string) => (id.startsWith('cus_eu_') ? 'EU' : id.startsWith('cus_row_') ? 'ROW' : undefined);

/** The variant of a view a principal sees: a customer's own token sees the storefront variant. */
export const variantFor = (view: ViewName, customerToken: boolean) => (customerToken && (view === 'insights' || view === 'intelligence') ? 'customer' : '');

/**
 * The storefront's warm reads at the cost of writing bytes: a request whose credential this isolate has
 * verified, for a customer of this jurisdiction, for a view this isolate has cached, is answered from the
 * cache with no router, no middleware, no validation and no JSON. Anything else (first sight of a
 * credential, a cold view, a foreign customer, a query, a browser's CORS request) returns undefined and
 * goes through the full app, which answers exactly as before and fills the caches.
 */
/** Experiment lookups answered from memory as bytes (the experiments feature's warm lookup). */
export type WarmExperiments = (customerId: string, key: string | undefined, options: { unit?: string; expose?: boolean }) => { body: Uint8Array<ArrayBuffer>; ageSeconds: number; revalidate?: boolean } | undefined;

const DEVICE_UNIT = /^device:[\x21-\x7e]{1,128}$/;

export function storefrontFastPath(deps: { region: Region; views: ViewCache; credentials: CredentialCache; limiter: RateLimiter; experiments?: WarmExperiments; now: () => number }): FastPath {
  const servedBy = deps.region.id;
  /** The limit applies here as in the app: one token per answered request, taken only when answering. */
  const overLimit = (principal: Principal): FastAnswer | undefined => {
    const wait = deps.limiter.take(principal);
    return wait === 0 ? undefined : limitedAnswer(wait, servedBy);
  };
  const cacheControl = `private, max-age=${Math.round(deps.views.ttlMs / 1000)}`;
  const principalFor = (req: MinimalRequest, customerId: string, scope: Scope) => {
    const auth = req.header('authorization');
    const principal = auth?.startsWith('Bearer ') ? deps.credentials.get(auth.slice(7)) : undefined;
    if (!principal || (principal.kind === 'customer' ? principal.customerId !== customerId : !hasScope(principal, scope))) return undefined;
    return homeOf(customerId) === deps.region.jurisdiction ? principal : undefined;
  };
  /** `/v1/customers/:id/experiments[/:key][?unit=device:…&expose=false]`, computed from memory. */
  const experiments = (req: MinimalRequest, customerId: string, rawKey: string | undefined, query: string): FastAnswer | undefined => {
    if (!deps.experiments || req.header('origin') !== undefined) return undefined;
    const params = new URLSearchParams(query);
    const unit = params.get('unit') ?? undefined;
    const expose = params.get('expose') ?? 'true';
    if ([...params.keys()].some((k) => k !== 'unit' && k !== 'expose') || (unit !== undefined && !DEVICE_UNIT.test(unit)) || (expose !== 'true' && expose !== 'false')) return undefined;
    const principal = principalFor(req, customerId, 'experiments:read');
    if (!principal) return undefined;
    let key: string | undefined;
    try {
      key = rawKey === undefined ? undefined : decodeURIComponent(rawKey);
    } catch {
      return undefined; // a malformed escape: the app answers it with its problem
    }
    const warm = deps.experiments(customerId, key, { ...(unit ? { unit } : {}), expose: expose === 'true' });
    if (!warm) return undefined;
    const limited = overLimit(principal);
    if (limited) return limited;
    metrics.fastPathHit(servedBy, 'experiments');
    const headers = { 'content-type': 'application/json', 'cache-control': 'private, max-age=30, stale-if-error=600', age: String(warm.ageSeconds), 'cadence-served-by': servedBy };
    return { status: 200, headers, principal, ...(req.method === 'GET' ? { body: warm.body } : {}), ...(warm.revalidate ? { revalidate: true as const } : {}) };
  };
  /** The answer's headers for an entry at an `Age`, made once per entry and second (the fast path's own memo). */
  const wire = new WeakMap<CachedView, { age: number; ok: Record<string, string>; notModified: Record<string, string> }>();
  const headersOf = (entry: CachedView) => {
    const age = Math.max(0, Math.floor((deps.now() - (entry.computedAt ?? entry.storedAt)) / 1000));
    let w = wire.get(entry);
    if (w === undefined || w.age !== age) {
      const notModified = { etag: entry.etag, 'cache-control': cacheControl, age: String(age), 'cadence-served-by': servedBy };
      w = { age, notModified, ok: { ...notModified, 'content-type': 'application/json' } };
      wire.set(entry, w);
    }
    return w;
  };
  return (req) => {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !url.startsWith(PREFIX)) return undefined;
    // `/v1/customers/<id>/<view>[/<key>][?query]`, read by position (no split, no regular expression).
    const q = url.indexOf('?');
    const end = q < 0 ? url.length : q;
    const slash = url.indexOf('/', PREFIX.length);
    if (slash < 0 || slash >= end) return undefined;
    const customerId = url.slice(PREFIX.length, slash);
    const next = url.indexOf('/', slash + 1);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (next >= 0 && next < end) {
      if (url.indexOf('/', next + 1) >= 0 && url.indexOf('/', next + 1) < end) return undefined;
      return url.slice(slash + 1, next) === 'experiments' ? experiments(req, customerId, url.slice(next + 1, end), query) : undefined;
    }
    const name = url.slice(slash + 1, end);
    if (name === 'experiments') return experiments(req, customerId, undefined, query);
    const route = VIEW_ROUTES.get(name);
    if (!route || (q >= 0 && !route.byQuery) || req.header('origin') !== undefined) return undefined;
    const auth = req.header('authorization');
    if (!auth || !auth.startsWith('Bearer ')) return undefined;
    const principal = deps.credentials.get(auth.slice(7));
    if (!principal) return undefined;
    const asCustomer = principal.kind === 'customer';
    if (asCustomer ? principal.customerId !== customerId : !hasScope(principal, route.scope)) return undefined;
    if (homeOf(customerId) !== deps.region.jurisdiction) return undefined;
    const entry = deps.views.get(customerId, route.view, route.byQuery ? query : variantFor(route.view, asCustomer));
    if (!entry) return undefined;
    const limited = overLimit(principal);
    if (limited) return limited;
    metrics.fastPathHit(servedBy, route.view);
    const w = headersOf(entry);
    const ifNoneMatch = req.header('if-none-match');
    const answer: FastAnswer =
      ifNoneMatch !== undefined && (ifNoneMatch === entry.etag || ifNoneMatch.split(',').some((t) => t.trim() === entry.etag || t.trim() === `W/${entry.etag}`))
        ? { status: 304, headers: w.notModified, principal }
        : req.method === 'GET'
          ? { status: 200, headers: w.ok, principal, body: entry.body }
          : { status: 200, headers: w.ok, principal };
    if (deps.views.claimRevalidation(entry)) answer.revalidate = true;
    return answer;
  };
}

const encoder = new TextEncoder();

/** A 429 as the fast path writes it: the same problem+json and headers as the app's. */
export function limitedAnswer(wait: number, servedBy: string): FastAnswer {
  const body = encoder.encode(JSON.stringify(rateLimited(wait).toJSON()));
  return { status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': String(wait), 'cadence-served-by': servedBy }, body };
}

/**
 * The request a host runs through the app to re-read an entry the fast path served past its TTL: the
 * same path and credential (the app checks both again, as for any request), in the background.
 */
export function revalidationRequest(req: MinimalRequest): Request {
  const authorization = req.header('authorization');
  return new Request(`http://cadence.internal${req.url}`, { headers: authorization ? { authorization } : {} });
}

/** A fetch Request as the fast path reads it. */
export function fromRequest(request: Request): MinimalRequest {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return { method: request.method, url: start < 0 ? '/' : url.slice(start), header: (name) => request.headers.get(name) ?? undefined };
}

/** The fast path's answer as a fetch Response. */
export const toResponse = (answer: FastAnswer): Response => new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
