import { DependencyUnavailable } from './errors.ts';
import type { TtlCache } from './ttl-cache.ts';
import { metrics } from '../ops/metrics.ts';

/**
 * How long a cached answer may still be served, marked stale, while the store behind it cannot answer.
 * Long enough to ride out a store restart or a short regional incident; short enough that a customer's
 * changed data is not hidden for long (a write cannot land while the store is down anyway).
 */
export const STALE_IF_ERROR_MS = 10 * 60_000;

export interface CachedRead<V> {
  value: V;
  /** Seconds since the value was read from the store. */
  ageSeconds: number;
  /** The store could not answer and this is the last known value (at most STALE_IF_ERROR_MS old). */
  stale: boolean;
}

/** The loads in flight per cache and key, with the cache generation each started at. */
const loading = new WeakMap<object, Map<string, { generation: number; read: Promise<CachedRead<unknown> | undefined> }>>();

/**
 * A read through an isolate cache: a fresh entry, else the store (cached when found), else, when the
 * store is unavailable, the last known entry marked stale. Absent values are not cached. Concurrent misses
 * of one key share one store read (a busy storefront key expiring under 50 connections costs one GetItem,
 * not 50), unless something was deleted from the cache since that read started: a read begun after a
 * write never takes a value read before it.
 */
export function readThrough<V>(cache: TtlCache<V>, key: string, load: () => Promise<V | undefined>, now: () => number): Promise<CachedRead<V> | undefined> {
  const hit = cache.get(key);
  if (hit) {
    metrics.cache(cache.name, 'hit', (now() - hit.storedAt) / 1000);
    return Promise.resolve({ value: hit.value, ageSeconds: Math.floor((now() - hit.storedAt) / 1000), stale: false });
  }
  const generation = cache.mark();
  let inFlight = loading.get(cache);
  if (inFlight === undefined) loading.set(cache, (inFlight = new Map()));
  const joined = inFlight.get(key);
  if (joined !== undefined && joined.generation === generation) {
    metrics.cache(cache.name, 'coalesced');
    return joined.read as Promise<CachedRead<V> | undefined>;
  }
  metrics.cache(cache.name, 'miss');
  const loads = inFlight;
  const read = loadInto(cache, key, load, now, generation).finally(() => {
    if (loads.get(key)?.read === read) loads.delete(key);
  });
  loads.set(key, { generation, read });
  return read;
}

async function loadInto<V>(cache: TtlCache<V>, key: string, load: () => Promise<V | undefined>, now: () => number, generation: number): Promise<CachedRead<V> | undefined> {
  let value: V | undefined;
  try {
    value = await load();
  } catch (err) {
    const last = err instanceof DependencyUnavailable ? cache.getStale(key, STALE_IF_ERROR_MS) : undefined;
    if (!last) throw err;
    metrics.cache(cache.name, 'stale', (now() - last.storedAt) / 1000);
    return { value: last.value, ageSeconds: Math.floor((now() - last.storedAt) / 1000), stale: true };
  }
  if (value === undefined) return undefined;
  cache.set(key, value, generation);
  return { value, ageSeconds: 0, stale: false };
}

/** The headers of a cached answer: how old it is, and a warning when it is stale. */
export function cacheHeaders(read: { ageSeconds: number; stale: boolean }, maxAgeSeconds = 60): Record<string, string> {
  return {
    'cache-control': `private, max-age=${maxAgeSeconds}, stale-if-error=${STALE_IF_ERROR_MS / 1000}`,
    age: String(read.ageSeconds),
    ...(read.stale ? { warning: '110 cadence "Response is Stale"' } : {}),
  };
}
