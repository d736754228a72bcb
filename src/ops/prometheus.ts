import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS, seriesKey, type MetricDef, type MetricsSink } from './metrics.ts';

/** Latency buckets (seconds): a warm read is well under a millisecond, a Bedrock call a few seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The Node entry's sink: every metric of the module registered in its own prom-client registry (not the
 * global one), exposed as Prometheus text at `GET /metrics`. Bound children are kept per label set, so a
 * record is a map lookup and an add. A counter's increments are summed here and added into prom-client when
 * the counter is read (a scrape, `values`): prom-client hashes and validates the labels on every call, and
 * with the series key built per call too, a warm storefront read's three records cost 1.2 µs; now about
 * 0.3 µs.
 */
export class PrometheusSink implements MetricsSink {
  readonly registry = new Registry();
  private readonly children = new Map<string, (v: number) => void>();
  private readonly byName = new Map<string, Counter | Gauge | Histogram>();
  /** A counter's increments since its last read, per child: added into prom-client when it is read (scrape). */
  private readonly pending = new Map<string, { child: Counter.Internal; sum: number }[]>();

  constructor() {
    for (const m of Object.values(METRICS) as MetricDef[]) {
      const config = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry] };
      const flush = () => {
        for (const cell of this.pending.get(m.name) ?? []) {
          if (cell.sum === 0) continue;
          cell.child.inc(cell.sum);
          cell.sum = 0;
        }
      };
      const metric = m.kind === 'counter' ? new Counter({ ...config, collect: flush }) : m.kind === 'gauge' ? new Gauge(config) : new Histogram({ ...config, buckets: BUCKETS });
      this.byName.set(m.name, metric);
    }
  }

  record(metric: MetricDef, labels: Record<string, string>, value: number): void {
    const key = seriesKey(metric, labels);
    let add = this.children.get(key);
    if (!add) {
      const parent = this.byName.get(metric.name);
      if (!parent) throw new Error(`${metric.name} is not a metric of src/ops/metrics.ts`);
      const child = parent.labels(labels);
      if (metric.kind === 'counter') {
        // prom-client hashes and validates the labels on every inc: a sum here is added when it is read.
        const cell = { child: child as Counter.Internal, sum: 0 };
        let cells = this.pending.get(metric.name);
        if (cells === undefined) this.pending.set(metric.name, (cells = []));
        cells.push(cell);
        add = (v) => {
          cell.sum += v;
        };
      } else add = metric.kind === 'histogram' ? (v) => (child as Histogram.Internal<string>).observe(v) : (v) => (child as Gauge.Internal<string>).set(v);
      this.children.set(key, add);
    }
    add(value);
  }

  /** A counter's or gauge's values since the process started, by label set (the operator page reads them). */
  async values(name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
    const metric = this.byName.get(name);
    if (!metric || metric instanceof Histogram) return [];
    return (await metric.get()).values.map((v) => ({ labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)])), value: v.value }));
  }

  /** The Prometheus text exposition, of every metric or of the ones named. */
  async expose(names?: readonly string[]): Promise<{ contentType: string; text: string }> {
    const text = names ? (await Promise.all(names.map((n) => this.registry.getSingleMetricAsString(n)))).join('\n') + '\n' : await this.registry.metrics();
    return { contentType: this.registry.contentType, text };
  }
}
