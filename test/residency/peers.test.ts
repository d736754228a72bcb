import { describe, expect, it } from 'vitest';
import { FORWARDED_BY, forwardToJurisdiction, type Fetcher } from '../../src/residency/peers.ts';
import { Problem } from '../../src/http/problem.ts';
import { DependencyUnavailable } from '../../src/shared/errors.ts';

const answering = (status: number, seen: Request[] = []): Fetcher => ({
  async fetch(req) {
    seen.push(req);
    return new Response(JSON.stringify({ status }), { status });
  },
});
const down: Fetcher = { fetch: () => Promise.reject(new Error('connection refused')) };
const req = () => new Request('http://x/v1/customers/cus_eu_0/purchases', { headers: { authorization: 'Bearer k', cookie: 'secret', 'x-request-id': 'r1' } });

describe('forwarding to the jurisdiction that holds the customer', () => {
  it('goes to the home region first and passes only the headers the peer needs, marked as forwarded', async () => {
    const seen: Request[] = [];
    const res = await forwardToJurisdiction({ EU: [answering(200, seen), answering(200)] }, 'EU', 'us-east-1', req());
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer k');
    expect(seen[0]!.headers.get('cookie')).toBeNull();
    expect(seen[0]!.headers.get(FORWARDED_BY)).toBe('us-east-1');
  });

  it('fails over to the next region of the same jurisdiction when the home is unreachable or answers 503', async () => {
    const seen: Request[] = [];
    expect((await forwardToJurisdiction({ EU: [down, answering(200, seen)] }, 'EU', 'us-east-1', req())).status).toBe(200);
    expect((await forwardToJurisdiction({ EU: [answering(503), answering(200, seen)] }, 'EU', 'us-east-1', req())).status).toBe(200);
    expect(seen).toHaveLength(2);
    // A 4xx, 500 or 504 is an answer (the request may have been carried out): no second try.
    expect((await forwardToJurisdiction({ EU: [answering(404), answering(200)] }, 'EU', 'us-east-1', req())).status).toBe(404);
    expect((await forwardToJurisdiction({ EU: [answering(504), answering(200)] }, 'EU', 'us-east-1', req())).status).toBe(504);
  });

  it('answers 503 routing.peerUnavailable when no region of the jurisdiction answers, and never serves it locally', async () => {
    const err = await forwardToJurisdiction({ EU: [down, down] }, 'EU', 'us-east-1', req()).catch((e: unknown) => e);
    // The HTTP layer answers every DependencyUnavailable with 503, its code and Retry-After.
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect((err as DependencyUnavailable).code).toBe('routing.peerUnavailable');
    expect((err as DependencyUnavailable).retryAfterSeconds).toBeGreaterThan(0);
  });

  it("passes on the last region's 503 when every region answers that it cannot serve", async () => {
    const res = await forwardToJurisdiction({ EU: [answering(503), answering(503)] }, 'EU', 'us-east-1', req());
    expect(res.status).toBe(503);
  });

  it('refuses to forward a request twice (421), so misconfigured regions cannot loop', async () => {
    const once = new Request('http://x/', { headers: { [FORWARDED_BY]: 'eu-central-1' } });
    const err = await forwardToJurisdiction({ ROW: [answering(200)] }, 'ROW', 'eu-central-1', once).catch((e: unknown) => e);
    expect((err as Problem).code).toBe('routing.misdirected');
  });
});
