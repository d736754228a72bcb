/**
 * Failover drills in workerd: the Worker bundle (as wrangler builds it) under Miniflare, one Worker per
 * region, on the suite's stores. A home region is "down" when its Worker's personal store is a closed
 * port (its AWS region is gone; the Worker answers 503 storage.unavailable, which peers take as "try the
 * next"). The edge no longer sends traffic to it, so requests enter at the other three regions: every
 * read and write for that jurisdiction's customers must succeed, served by the failover region and never
 * by a deployment of the other jurisdiction.
 */
import { regions } from '../../regions/index.ts';
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { buildWorkerBundle, startWorkerdStack } from '../../src/local/workerd.ts';
import { freePort } from '../../test/support/stores.ts';
import { purchaseBody } from './mix.ts';
import type { LoadStack } from './stack.ts';

export interface DrillReport {
  down: string;
  expected: string;
  requests: number;
  failed: number;
  servedBy: Record<string, number>;
  /** Answers by region and status, e.g. "eu-west-1 200". */
  answers: Record<string, number>;
  /** Answers from a deployment of the other jurisdiction (must be 0). */
  otherJurisdiction: number;
  ok: boolean;
}

export async function failoverDrills(stack: LoadStack, customersOf: (jurisdiction: 'EU' | 'ROW') => string[]): Promise<DrillReport[]> {
  const bundlePath = await buildWorkerBundle();
  const reports: DrillReport[] = [];
  for (const [down, expected, jurisdiction] of [['eu-central-1', 'eu-west-1', 'EU'], ['us-east-1', 'ap-southeast-2', 'ROW']] as const) {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { url, mf } = await startWorkerdStack({
      port: 0,
      endpoints: stack.endpoints,
      personalEndpoints: { [down]: dead },
      jwtSecret: stack.jwtSecret,
      privacyKey: stack.jwtSecret.split('').reverse().join(''),
      defaultRegion: expected,
      bundlePath,
    });
    try {
      const outcomes: { status: number; servedBy: string }[] = [];
      const entries = regions.map((r) => r.id).filter((id) => id !== down);
      let n = 0;
      for (const customerId of customersOf(jurisdiction).slice(0, 4)) {
        for (const entry of entries) {
          const headers = { authorization: `Bearer ${stack.keys.admin}`, [EDGE_REGION_HEADER]: entry };
          const calls = [
            new Request(new URL(`/v1/customers/${customerId}/predictions`, url), { headers }),
            new Request(new URL(`/v1/customers/${customerId}`, url), { headers }),
            new Request(new URL('/v1/purchases', url), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: purchaseBody(stack.data, customerId, `drill-${down}-${n++}`) }),
          ];
          for (const req of calls) {
            const res = await fetch(req);
            await res.arrayBuffer();
            outcomes.push({ status: res.status, servedBy: res.headers.get('cadence-served-by') ?? 'none' });
          }
        }
      }
      const servedBy: Record<string, number> = {};
      const answers: Record<string, number> = {};
      for (const o of outcomes) {
        servedBy[o.servedBy] = (servedBy[o.servedBy] ?? 0) + 1;
        answers[`${o.servedBy} ${o.status}`] = (answers[`${o.servedBy} ${o.status}`] ?? 0) + 1;
      }
      const other = new Set(regions.filter((r) => r.jurisdiction !== jurisdiction).map((r) => r.id));
      const failed = outcomes.filter((o) => o.status < 200 || o.status > 299).length;
      const otherJurisdiction = outcomes.filter((o) => other.has(o.servedBy)).length;
      reports.push({ down, expected, requests: outcomes.length, failed, servedBy, answers, otherJurisdiction, ok: failed === 0 && otherJurisdiction === 0 && servedBy[expected] === outcomes.length });
    } finally {
      await mf.dispose();
    }
  }
  return reports;
}
