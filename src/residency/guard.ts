import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { Problem } from '../http/problem.ts';
import { Jurisdiction, type Region } from '../regions/region.schema.ts';
import { customerOfJob, jurisdictionOfCustomerId, jurisdictionOfPrefixedId, jurisdictionOfRequestId } from './jurisdiction.ts';
import { forwardToJurisdiction, type Peers } from './peers.ts';

/** A route whose jurisdiction is in its body (creating a customer): decided before the route runs. */
export interface BodyLocator {
  method: string;
  path: string;
  /**
   * The jurisdiction the request belongs to and the body to send there; undefined leaves the request
   * here, so that its own route validates it and answers.
   */
  locate(c: Context<AppEnv>, body: unknown): { jurisdiction: Jurisdiction; body: string } | undefined;
}

/** A batch that may name customers of both jurisdictions (purchases): each part goes to its own. */
export interface BatchSplitter {
  method: string;
  path: string;
  /** The request's parts by jurisdiction (bodies), or undefined to leave it to the route (invalid input). */
  split(c: Context<AppEnv>, body: unknown): Map<Jurisdiction, unknown> | undefined;
  /** Read-only checks of the local part, run before anything is sent elsewhere. */
  precheck(localPart: unknown): Promise<void>;
  /** One answer from the parts' answers, as if one deployment had served the whole request. */
  merge(body: unknown, answers: ReadonlyMap<Jurisdiction, unknown>): unknown;
}

export interface ResidencyOptions {
  region: Region;
  peers: Peers;
  bodyLocators?: readonly BodyLocator[];
  splitters?: readonly BatchSplitter[];
  /** Headers forwarded beyond the usual ones (the operator page's session cookie). */
  forwardHeaders?: readonly string[];
}

/** The jurisdiction named by a path: a customer, a customer's job, a jurisdiction's batch. */
function jurisdictionOfPath(path: string): Jurisdiction | 'invalid' | undefined {
  const parts = path.split('/');
  // ['', 'v1', 'customers', ':id', …]
  if (parts[1] !== 'v1' || parts.length < 4) return undefined;
  if (parts[2] === 'customers') return jurisdictionOfCustomerId(parts[3]!) ?? 'invalid';
  if (parts[2] === 'jobs' && parts.length === 4) {
    const customerId = customerOfJob(parts[3]!);
    return customerId ? jurisdictionOfCustomerId(customerId) : undefined;
  }
  if (parts[2] === 'ops' && parts[3] === 'insight-batches' && parts.length === 5) return jurisdictionOfPrefixedId(parts[4]!);
  // A tracked job's id names its jurisdiction (`eu-refit-…`); a malformed one is left to the route (400).
  if (parts[2] === 'ops' && parts[3] === 'jobs' && parts.length >= 5) return jurisdictionOfPrefixedId(parts[4]!);
  if (parts[2] === 'privacy-requests' && parts.length === 4) return jurisdictionOfRequestId(parts[3]!);
  // A segment run's id names its jurisdiction (`eu-daily-…`), whose jobs table holds its job's progress.
  if (parts[2] === 'segment-runs' && parts.length === 4) return jurisdictionOfPrefixedId(parts[3]!);
  return undefined;
}

const readJson = async (c: Context<AppEnv>): Promise<unknown> => {
  try {
    return JSON.parse(await c.req.text());
  } catch {
    return undefined;
  }
};

/**
 * The one place where a request is routed to its jurisdiction, mounted once in front of every feature:
 * whatever the order routes are mounted in, a request about another jurisdiction's customer (or job, or
 * batch, or `?jurisdiction=`) is handed to a deployment there before any feature reads or writes a byte.
 * Features never forward.
 */
export function residencyGuard(options: ResidencyOptions): MiddlewareHandler<AppEnv> {
  const here = options.region.jurisdiction;
  const forward = (c: Context<AppEnv>, jurisdiction: Jurisdiction, body?: string) =>
    forwardToJurisdiction(options.peers, jurisdiction, options.region.id, c.req.raw, body, options.forwardHeaders);

  return async (c, next) => {
    const byPath = jurisdictionOfPath(c.req.path);
    if (byPath === 'invalid') throw new Problem(400, 'request.invalidId', 'Not a customer id (cus_eu_… or cus_row_…)');
    const asked = c.req.query('jurisdiction');
    const target = byPath ?? (Jurisdiction.safeParse(asked).success ? (asked as Jurisdiction) : undefined);
    if (target && target !== here) {
      const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.text();
      return forward(c, target, body);
    }
    if (target) return next();

    const locator = options.bodyLocators?.find((l) => l.method === c.req.method && l.path === c.req.path);
    if (locator) {
      const located = locator.locate(c, await readJson(c));
      if (located && located.jurisdiction !== here) return forward(c, located.jurisdiction, located.body);
      return next();
    }
    const splitter = options.splitters?.find((s) => s.method === c.req.method && s.path === c.req.path);
    if (splitter) return split(c, next, splitter, here, forward);
    return next();
  };
}

async function split(
  c: Context<AppEnv>,
  next: () => Promise<void>,
  splitter: BatchSplitter,
  here: Jurisdiction,
  forward: (c: Context<AppEnv>, j: Jurisdiction, body?: string) => Promise<Response>,
): Promise<Response | void> {
  const body = await readJson(c);
  const parts = body === undefined ? undefined : splitter.split(c, body);
  if (!parts || (parts.size === 1 && parts.has(here))) return next();
  const local = parts.get(here);
  // Read-only checks here first, then the other part (validated there), then ours: a request refused
  // anywhere stores nothing anywhere.
  if (local !== undefined) await splitter.precheck(local);
  const answers = new Map<Jurisdiction, unknown>();
  for (const [jurisdiction, part] of parts) {
    if (jurisdiction === here) continue;
    const res = await forward(c, jurisdiction, JSON.stringify(part));
    if (res.status !== 200 || local === undefined) return res;
    answers.set(jurisdiction, await res.json());
  }
  // The route sees only the local part.
  // Hono caches bodies as promises (its type says the value); validators read this cache.
  c.req.bodyCache = { text: Promise.resolve(JSON.stringify(local)) as unknown as string };
  await next();
  // A 503 that says line by line what was stored (the store went away part way) is merged too, so the
  // caller sees every line of the request; any other local refusal is answered as it is.
  const localAnswer = c.res.status === 200 || c.res.status === 503 ? ((await c.res.clone().json()) as Record<string, unknown>) : undefined;
  if (!localAnswer || (c.res.status === 503 && !Array.isArray(localAnswer.results))) return;
  answers.set(here, localAnswer);
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  const merged = splitter.merge(body, answers) as Record<string, unknown>;
  c.res = Response.json(c.res.status === 200 ? merged : { ...localAnswer, ...merged }, { status: c.res.status, headers });
}
