import { Problem } from '../http/problem.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { DependencyUnavailable } from '../shared/errors.ts';

/** Anything that answers a Request: a Worker service binding, or another region's app in one Node process. */
export interface Fetcher {
  fetch(request: Request): Promise<Response>;
}

/** The deployments that serve each jurisdiction, in the order to try them (home first). */
export type Peers = Partial<Record<Jurisdiction, readonly Fetcher[]>>;

export const FORWARDED_BY = 'cadence-forwarded-by';
/** Headers that travel with a forwarded request; everything else stays at the edge. */
const FORWARDED_HEADERS = ['authorization', 'content-type', 'accept', 'if-none-match', 'idempotency-key', 'x-cadence-customer-country', 'x-request-id'];

/**
 * Sends a request to the jurisdiction that holds the customer, so personal data is read and written only
 * there. Tries the serving regions in order and moves on when one is unreachable or answers 503 (it says it
 * did nothing). A 502 or 504 may hide a request that was carried out, and creating a customer is not
 * idempotent, so those are answers, not reasons to try elsewhere.
 * A request that was forwarded once is never forwarded again (no loops between misconfigured regions).
 * `extraHeaders` travel too where a caller needs them (the operator page's session cookie, which only
 * Cadence deployments read).
 */
export async function forwardToJurisdiction(
  peers: Peers,
  jurisdiction: Jurisdiction,
  from: string,
  original: Request,
  body?: string,
  extraHeaders: readonly string[] = [],
): Promise<Response> {
  if (original.headers.get(FORWARDED_BY)) {
    throw new Problem(421, 'routing.misdirected', `This deployment does not serve ${jurisdiction} customers`);
  }
  const targets = peers[jurisdiction] ?? [];
  const headers = new Headers();
  for (const name of [...FORWARDED_HEADERS, ...extraHeaders]) {
    const v = original.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  headers.set(FORWARDED_BY, from);
  const init: RequestInit = { method: original.method, headers };
  if (body !== undefined && body !== '') init.body = body;
  let lastError: unknown;
  let unavailable: Response | undefined;
  for (const target of targets) {
    try {
      const res = await target.fetch(new Request(original.url, init));
      if (res.status !== 503) return res;
      unavailable ??= res;
      lastError = new Error(`peer answered ${res.status}`);
    } catch (err) {
      lastError = err;
    }
  }
  // Every region answered that it could not serve (its store is down, say): pass on what the first (the
  // home, which may have done part of the work and says so) answered, with its code and Retry-After.
  if (unavailable) return unavailable;
  throw new DependencyUnavailable('routing.peerUnavailable', `No ${jurisdiction} deployment is reachable (${String(lastError)})`, 1, { cause: lastError });
}
