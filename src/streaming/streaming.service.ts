import { Problem } from '../http/problem.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import type { LiveRepository } from './live.repository.ts';
import { minuteOf, summarize, trendingSupport, type LiveSummary, type TrendingSupport } from './model/live.ts';
import type { EventProducer } from './producer.ts';

/** Trending products: the most bought in this window (a sliding top-k over minute buckets). */
export const TRENDING_WINDOW_MINUTES = 15;

export interface StreamingServiceDeps {
  jurisdiction: Jurisdiction;
  /** Undefined when this deployment publishes no events (streaming is off). */
  producer?: EventProducer;
  live: Pick<LiveRepository, 'bucketsSince' | 'checkpoints' | 'dayBuckets'>;
  now: () => number;
}

export interface LiveView extends LiveSummary {
  jurisdiction: Jurisdiction;
  stream: string;
  asOf: string;
  window: { from: string; to: string; trendingFrom: string };
  /** The UTC day `becameDueToday` counts (it starts again at 0 each midnight UTC). */
  today: string;
  /** Customers whose predicted next purchase entered the due window today (decision 125): a count, no ids. */
  becameDueToday: number;
  /** Per shard: where the consumer is and when it last moved. */
  consumer: { shardId: string; finished: boolean; updatedAt: string }[];
}

/** The live figures of one jurisdiction, read from the consumer's minute buckets (sums only). */
export class StreamingService {
  constructor(private readonly deps: StreamingServiceDeps) {}

  get enabled(): boolean {
    return this.deps.producer !== undefined;
  }

  async live(): Promise<LiveView> {
    const producer = this.deps.producer;
    if (!producer) throw new Problem(404, 'streaming.disabled', 'This deployment does not stream events (no stream is configured)');
    const now = this.deps.now();
    const from = minuteOf(new Date(now - 59 * 60_000).toISOString());
    const trendingFrom = minuteOf(new Date(now - (TRENDING_WINDOW_MINUTES - 1) * 60_000).toISOString());
    const today = new Date(now).toISOString().slice(0, 10);
    const [buckets, checkpoints, days] = await Promise.all([
      this.deps.live.bucketsSince(this.deps.jurisdiction, from),
      this.deps.live.checkpoints(producer.streamName),
      this.deps.live.dayBuckets(this.deps.jurisdiction, today),
    ]);
    return {
      jurisdiction: this.deps.jurisdiction,
      stream: producer.streamName,
      asOf: new Date(now).toISOString(),
      window: { from, to: minuteOf(new Date(now).toISOString()), trendingFrom },
      today,
      becameDueToday: days.reduce((sum, d) => sum + d.becameDue, 0),
      ...summarize(buckets, trendingFrom),
      consumer: Object.entries(checkpoints).map(([shardId, c]) => ({ shardId, finished: c.finished, updatedAt: c.updatedAt })),
    };
  }

  /**
   * Products bought by at least `minCustomers` customers in the last hour (a lower bound of the distinct
   * buyers), most customers first; nothing when this deployment does not stream.
   */
  async trending(minCustomers: number, k = 10): Promise<TrendingSupport[]> {
    return this.deps.producer ? trendingNow(this.deps.live, this.deps.jurisdiction, this.deps.now, minCustomers, k) : [];
  }
}

/** The last hour's products with at least `minCustomers` customers, from the minute buckets (one Query). */
export async function trendingNow(live: Pick<LiveRepository, 'bucketsSince'>, jurisdiction: Jurisdiction, now: () => number, minCustomers: number, k = 10): Promise<TrendingSupport[]> {
  const from = minuteOf(new Date(now() - 59 * 60_000).toISOString());
  return trendingSupport(await live.bucketsSince(jurisdiction, from), minCustomers, k);
}
