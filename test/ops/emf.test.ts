import { describe, expect, it } from 'vitest';
import { emfDocument } from '../../src/ops/emf.ts';
import { LogLinesSink, MAX_SAMPLES } from '../../src/ops/log-sink.ts';
import { METRICS, METRICS_NAMESPACE, type MetricDef } from '../../src/ops/metrics.ts';

const names = new Set(Object.values(METRICS).map((m) => m.name));

/** What CloudWatch needs of an EMF document (the specification's rules that a wrong shape breaks). */
function expectEmf(doc: Record<string, any>): void {
  expect(Object.keys(doc._aws).sort()).toEqual(['CloudWatchMetrics', 'Timestamp']);
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(Object.keys(directive).sort()).toEqual(['Dimensions', 'Metrics', 'Namespace']);
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Metrics.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const d of set) expect(typeof doc[d]).toBe('string');
    }
    for (const m of directive.Metrics) {
      expect(names.has(m.Name)).toBe(true);
      expect(['Count', 'Seconds', 'None']).toContain(m.Unit);
      const v = doc[m.Name];
      if (Array.isArray(v)) {
        expect(v.length).toBeGreaterThan(0);
        expect(v.length).toBeLessThanOrEqual(100);
        for (const x of v) expect(typeof x).toBe('number');
      } else expect(typeof v).toBe('number');
    }
  }
}

describe('CloudWatch Embedded Metric Format', () => {
  it('puts dimension values and the value at the root, with the full label set and its roll-ups as dimension sets', () => {
    const doc = emfDocument(METRICS.httpRequests, { region: 'eu-central-1', route: '/v1/customers/:id', method: 'GET', status: '200' }, 3, 1_700_000_000_000);
    expectEmf(doc);
    expect(doc._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['region', 'route', 'method', 'status'], ['region']]);
    expect(doc).toMatchObject({ region: 'eu-central-1', route: '/v1/customers/:id', cadence_http_requests_total: 3 });
    // A line is one JSON object and nothing else (CloudWatch Logs rejects trailing data).
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('refuses what CloudWatch would drop: a missing label, no values, more than 100 values', () => {
    expect(() => emfDocument(METRICS.cacheReads, { cache: 'views' } as never, 1, 0)).toThrow(/outcome/);
    expect(() => emfDocument(METRICS.httpDuration, { region: 'x', route: 'y' }, [], 0)).toThrow();
    expect(() => emfDocument(METRICS.httpDuration, { region: 'x', route: 'y' }, new Array(101).fill(1), 0)).toThrow();
  });
});

describe("the Worker's log-line sink", () => {
  it('aggregates and writes at most once per interval: counters summed, histograms as values, gauges last', () => {
    let now = 1_000_000;
    const out: string[] = [];
    const sink = new LogLinesSink({ intervalMs: 60_000, now: () => now, write: (l) => out.push(l) });
    const req = METRICS.httpRequests as MetricDef;
    for (let i = 0; i < 5; i++) sink.record(req, { region: 'us-east-1', route: '/v1/purchases', method: 'POST', status: '201' }, 1);
    sink.record(METRICS.httpDuration, { region: 'us-east-1', route: '/v1/purchases' }, 0.01);
    sink.record(METRICS.httpDuration, { region: 'us-east-1', route: '/v1/purchases' }, 0.03);
    sink.record(METRICS.streamLag, { region: 'us-east-1' }, 9);
    sink.record(METRICS.streamLag, { region: 'us-east-1' }, 4);
    now += 59_999;
    sink.record(req, { region: 'us-east-1', route: '/v1/purchases', method: 'POST', status: '201' }, 1);
    expect(out).toEqual([]);
    now += 1;
    sink.record(req, { region: 'us-east-1', route: '/v1/purchases', method: 'POST', status: '400' }, 1);
    const docs = out.map((l) => JSON.parse(l));
    for (const d of docs) expectEmf(d);
    expect(docs.find((d) => d.status === '201').cadence_http_requests_total).toBe(6);
    expect(docs.find((d) => d.status === '400').cadence_http_requests_total).toBe(1);
    expect(docs.find((d) => 'cadence_http_request_duration_seconds' in d).cadence_http_request_duration_seconds).toEqual([0.01, 0.03]);
    expect(docs.find((d) => 'cadence_stream_lag_seconds' in d).cadence_stream_lag_seconds).toBe(4);
    // Started over: nothing more until the next interval, even when asked to flush.
    out.length = 0;
    sink.flush();
    expect(out).toEqual([]);
  });

  it('keeps a bounded sample of a busy histogram, written 100 values a line', () => {
    const out: string[] = [];
    const sink = new LogLinesSink({ intervalMs: 60_000, now: () => 0, write: (l) => out.push(l) });
    for (let i = 0; i < 5_000; i++) sink.record(METRICS.httpDuration, { region: 'r', route: '/health' }, i);
    sink.flush();
    expect(out.length).toBe(MAX_SAMPLES / 100);
    const values = out.flatMap((l) => JSON.parse(l).cadence_http_request_duration_seconds as number[]);
    expect(values.length).toBe(MAX_SAMPLES);
    // A uniform sample, not the first thousand.
    expect(values.some((v) => v >= 1_000)).toBe(true);
  });
});
