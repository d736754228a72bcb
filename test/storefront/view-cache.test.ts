import { describe, expect, it } from 'vitest';
import { REVALIDATE_WINDOW_MS } from '../../src/shared/ttl-cache.ts';
import { ViewCache } from '../../src/storefront/view-cache.ts';

describe('the view cache', () => {
  const bytes = new TextEncoder().encode('{}');
  it('expires an entry one TTL after what it was made from was read from the store, not after it was put', () => {
    let now = 1_000_000;
    const views = new ViewCache(60_000, 10, () => now);
    views.put('c1', 'predictions', '', { body: bytes, etag: '"a"', readAt: now - 50_000 }); // read 50 s ago by another cache
    views.put('c2', 'predictions', '', { body: bytes, etag: '"b"' });
    now += 10_001;
    // Past its TTL: served only while one request re-reads it, for at most the revalidation window.
    const c1 = views.get('c1', 'predictions')!;
    expect([views.claimRevalidation(c1), views.claimRevalidation(c1)]).toEqual([true, false]);
    expect(views.claimRevalidation(views.get('c2', 'predictions')!)).toBe(false);
    now += REVALIDATE_WINDOW_MS;
    expect(views.get('c1', 'predictions')).toBeUndefined();
    expect(views.get('c2', 'predictions')?.etag).toBe('"b"');
  });

  it('does not put back a view read before the customer was forgotten, and forgets one view of every customer', () => {
    const views = new ViewCache(60_000, 10, () => 0);
    const generation = views.mark();
    views.forget('c1');
    views.put('c1', 'predictions', '', { body: bytes, etag: '"a"' }, generation);
    expect(views.get('c1', 'predictions')).toBeUndefined();
    views.put('c1', 'intelligence', '', { body: bytes, etag: '"i"' });
    views.put('c2', 'intelligence', 'customer', { body: bytes, etag: '"j"' });
    views.put('c2', 'segment', '', { body: bytes, etag: '"s"' });
    views.forgetView('intelligence');
    expect([views.get('c1', 'intelligence'), views.get('c2', 'intelligence', 'customer')]).toEqual([undefined, undefined]);
    expect(views.get('c2', 'segment')?.etag).toBe('"s"');
  });

  it('keeps at most its bound of entries, the oldest put first out', () => {
    const views = new ViewCache(60_000, 2, () => 0);
    for (const id of ['a', 'b', 'c']) views.put(id, 'segment', '', { body: bytes, etag: `"${id}"` });
    expect(['a', 'b', 'c'].map((id) => views.get(id, 'segment')?.etag)).toEqual([undefined, '"b"', '"c"']);
  });
});
