import { emfDocument, EMF_MAX_VALUES } from './emf.ts';
import { seriesKey, type MetricDef, type MetricsSink } from './metrics.ts';

/** How many observations of one histogram series are kept between flushes (a uniform sample beyond). */
export const MAX_SAMPLES = 1_000;

interface Series {
  metric: MetricDef;
  labels: Record<string, string>;
  /** Counter: the sum since the last flush; gauge: the last value. */
  total: number;
  /** Histogram: observations (sampled beyond MAX_SAMPLES), and how many there were. */
  samples: number[];
  seen: number;
}

/**
 * Aggregates in memory and writes JSON lines (CloudWatch EMF documents) at most every `intervalMs`: the
 * Worker's sink (Workers Logs keeps the lines; a forwarder can give them to CloudWatch Logs as they are)
 * and the stream consumer's on Lambda (which calls `flush()` before returning). Workers run no timers
 * between requests, so the interval is checked when something is recorded; what an isolate holds when it
 * is evicted is lost (at most one interval).
 */
export class LogLinesSink implements MetricsSink {
  private readonly series = new Map<string, Series>();
  private last: number;

  constructor(
    private readonly options: { intervalMs: number; write?: (line: string) => void; now?: () => number; random?: () => number },
  ) {
    this.last = this.now();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  record(metric: MetricDef, labels: Record<string, string>, value: number): void {
    const key = seriesKey(metric, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { metric, labels: { ...labels }, total: 0, samples: [], seen: 0 };
      this.series.set(key, s);
    }
    if (metric.kind === 'counter') s.total += value;
    else if (metric.kind === 'gauge') s.total = value;
    else {
      s.seen++;
      if (s.samples.length < MAX_SAMPLES) s.samples.push(value);
      else {
        // Reservoir sampling: every observation has the same chance to be kept.
        const i = Math.floor((this.options.random ?? Math.random)() * s.seen);
        if (i < MAX_SAMPLES) s.samples[i] = value;
      }
    }
    if (this.now() - this.last >= this.options.intervalMs) this.flush();
  }

  /** Writes what was aggregated since the last flush (one EMF line per series and 100 values) and starts over. */
  flush(): void {
    const timestamp = this.now();
    this.last = timestamp;
    const write = this.options.write ?? ((line: string) => console.log(line));
    for (const s of this.series.values()) {
      if (s.metric.kind !== 'histogram') {
        write(JSON.stringify(emfDocument(s.metric, s.labels, s.total, timestamp)));
        continue;
      }
      for (let i = 0; i < s.samples.length; i += EMF_MAX_VALUES) write(JSON.stringify(emfDocument(s.metric, s.labels, s.samples.slice(i, i + EMF_MAX_VALUES), timestamp)));
    }
    this.series.clear();
  }
}
