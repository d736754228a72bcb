import { describe, expect, it } from 'vitest';
import { readThrough } from '../../src/shared/read-through.ts';
import { TtlCache } from '../../src/shared/ttl-cache.ts';

/** The read-through's sharing of one store read between concurrent misses, and its limit. */
describe('readThrough', () => {
  const deferred = <V>() => {
    let resolve!: (v: V) => void;
    const promise = new Promise<V>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('gives every concurrent miss of a key the one read in flight', async () => {
    const cache = new TtlCache<string>(60_000, 10, Date.now);
    const store = deferred<string>();
    let loads = 0;
    const load = () => (loads++, store.promise);
    const reads = [readThrough(cache, 'k', load, Date.now), readThrough(cache, 'k', load, Date.now), readThrough(cache, 'other', async () => 'o', Date.now)];
    store.resolve('v1');
    expect((await Promise.all(reads)).map((r) => r?.value)).toEqual(['v1', 'v1', 'o']);
    expect(loads).toBe(1);
    expect((await readThrough(cache, 'k', load, Date.now))?.value).toBe('v1'); // now a hit
    expect(loads).toBe(1);
  });

  it('never hands a read begun before a write to a request that came after it', async () => {
    const cache = new TtlCache<string>(60_000, 10, Date.now);
    const before = deferred<string>();
    const early = readThrough(cache, 'k', () => before.promise, Date.now);
    cache.delete('k'); // a write in this isolate: what the early read returns may be older than it
    const late = readThrough(cache, 'k', async () => 'after the write', Date.now);
    before.resolve('before the write');
    expect((await early)?.value).toBe('before the write');
    expect((await late)?.value).toBe('after the write');
    expect(cache.get('k')?.value).toBe('after the write'); // and the early value was not put back
  });
});
