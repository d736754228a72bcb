import type { LiveConsumer } from './consumer.ts';
import type { LiveRepository } from './live.repository.ts';
import type { EventStream, ShardInfo } from './stream.ts';

export interface PollerDeps {
  stream: EventStream;
  consumer: Pick<LiveConsumer, 'apply'>;
  checkpoints: Pick<LiveRepository, 'checkpoint' | 'saveCheckpoint' | 'checkpoints'>;
  /** Records per GetRecords call (as the Lambda mapping's batch size). */
  batchSize?: number;
}

/**
 * The consumer outside Lambda (local runs, tests, self-hosting): reads every shard from its checkpoint,
 * applies each batch, then moves the checkpoint (so a crash re-reads at most one batch, which the
 * consumer's idempotence absorbs). After a reshard, a child shard is read only once its parents are
 * finished, so a customer's events stay in order across the split or merge.
 */
export class ShardPoller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  /** Milliseconds behind the stream's tip, per shard, at the last read. */
  readonly lag = new Map<string, number>();

  constructor(private readonly deps: PollerDeps) {}

  /** Reads every shard until it is caught up (or finished); how many records were applied. */
  pollOnce(): Promise<number> {
    this.running ??= this.pollAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Polls every `intervalMs` until stopped; a failed round is logged and tried again. */
  start(intervalMs = 500): void {
    this.stopped = false;
    const tick = async () => {
      try {
        await this.pollOnce();
      } catch (err) {
        console.error(JSON.stringify({ level: 'error', msg: 'stream poll failed', stream: this.deps.stream.name, error: String(err) }));
      }
      if (!this.stopped) this.timer = setTimeout(tick, intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pollAll(): Promise<number> {
    const shards = await this.deps.stream.shards();
    const checkpoints = await this.deps.checkpoints.checkpoints(this.deps.stream.name);
    const finished = new Set(Object.entries(checkpoints).filter(([, c]) => c.finished).map(([id]) => id));
    const known = new Set(shards.map((s) => s.shardId));
    let applied = 0;
    // Parents first: go round until no shard that is ready is left.
    for (let progress = true; progress; ) {
      progress = false;
      for (const shard of shards) {
        if (finished.has(shard.shardId) || !parentsDone(shard, finished, known)) continue;
        const result = await this.readShard(shard.shardId);
        applied += result.applied;
        if (result.finished) {
          finished.add(shard.shardId);
          progress = true;
        }
      }
    }
    return applied;
  }

  private async readShard(shardId: string): Promise<{ applied: number; finished: boolean }> {
    const name = this.deps.stream.name;
    const start = await this.deps.checkpoints.checkpoint(name, shardId);
    let iterator: string | undefined = await this.deps.stream.iterator(shardId, start?.sequenceNumber);
    let applied = 0;
    while (iterator && !this.stopped) {
      const page = await this.deps.stream.read(iterator, this.deps.batchSize ?? 500);
      this.lag.set(shardId, page.millisBehindLatest);
      const last = page.records.at(-1);
      if (last) {
        applied += (await this.deps.consumer.apply(shardId, page.records)).applied;
        await this.deps.checkpoints.saveCheckpoint(name, shardId, { sequenceNumber: last.sequenceNumber, finished: false });
      }
      if (!page.nextIterator) {
        const sequenceNumber = last?.sequenceNumber ?? start?.sequenceNumber;
        await this.deps.checkpoints.saveCheckpoint(name, shardId, { ...(sequenceNumber ? { sequenceNumber } : {}), finished: true });
        return { applied, finished: true };
      }
      if (page.records.length === 0 && page.millisBehindLatest === 0) break; // caught up
      iterator = page.nextIterator;
    }
    return { applied, finished: false };
  }
}

/** A shard whose parents (if the stream still lists them) are all read to their end. */
function parentsDone(shard: ShardInfo, finished: ReadonlySet<string>, known: ReadonlySet<string>): boolean {
  return [shard.parentShardId, shard.adjacentParentShardId].every((p) => !p || !known.has(p) || finished.has(p));
}
