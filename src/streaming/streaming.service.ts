import { Problem } from '../http/problem.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import type { LiveRepository } from './live.repository.ts';
import { minuteOf, summarize, type LiveSummary } from './model/live.ts';
import type { EventProducer } from './producer.ts';

/** Trending products: the most bought in this window (a sliding top-k over minute buckets). */
export const TRENDING_WINDOW_MINUTES = 15;

export interface StreamingServiceDeps {
  jurisdiction: Jurisdiction;
  /** Undefined when this deployment publishes no events (streaming is off). */
  producer?: EventProducer;
  live: Pick<LiveRepository, 'bucketsSince' | 'checkpoints'>;
  now: () => number;
}

export interface LiveView extends LiveSummary {
  jurisdiction: Jurisdiction;
  stream: string;
  asOf: string;
  window: { from: string; to: string; trendingFrom: string };
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
    const [buckets, checkpoints] = await Promise.all([this.deps.live.bucketsSince(this.deps.jurisdiction, from), this.deps.live.checkpoints(producer.streamName)]);
    return {
      jurisdiction: this.deps.jurisdiction,
      stream: producer.streamName,
      asOf: new Date(now).toISOString(),
      window: { from, to: minuteOf(new Date(now).toISOString()), trendingFrom },
      ...summarize(buckets, trendingFrom),
      consumer: Object.entries(checkpoints).map(([shardId, c]) => ({ shardId, finished: c.finished, updatedAt: c.updatedAt })),
    };
  }
}
