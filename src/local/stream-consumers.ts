import { regions } from '../../regions/index.ts';
import { deploymentDeps } from '../deps.ts';
import { ShardPoller } from '../streaming/poller.ts';
import { localConnection } from './bootstrap.ts';
import type { StoreName } from './dynamo-stores.ts';
import type { LocalKinesis } from './kinesis-streams.ts';

export interface LocalStreamConsumers {
  /** One poller per jurisdiction (its home region's consumer). */
  pollers: Map<string, ShardPoller>;
  /** Sends what waits in every jurisdiction's outbox; how many. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * What Lambda and a scheduled drain do in production, as timers in this process: each jurisdiction's
 * consumer polls its kinesalite stream (checkpoints in its events table) and its outbox is drained.
 */
export function startStreamConsumers(options: { endpoints: Record<StoreName, string>; kinesis: Pick<LocalKinesis, 'connection'>; privacyKey: string; jwtSecret: string; pollMs?: number; drainMs?: number }): LocalStreamConsumers {
  const parts = regions
    .filter((r) => r.home)
    .map((region) => {
      const streaming = deploymentDeps({
        region,
        personal: localConnection(options.endpoints[region.jurisdiction], region.awsRegion),
        global: localConnection(options.endpoints.GLOBAL, region.awsRegion),
        peers: {},
        jwtSecret: options.jwtSecret,
        privacyKey: options.privacyKey,
        streaming: options.kinesis.connection(region),
      }).streaming!;
      return { region, streaming, poller: new ShardPoller({ stream: streaming.stream, consumer: streaming.consumer, checkpoints: streaming.live }) };
    });
  for (const p of parts) p.poller.start(options.pollMs ?? 1000);
  const drain = async () => (await Promise.all(parts.map((p) => p.streaming.producer.drain().catch(() => 0)))).reduce((a, b) => a + b, 0);
  const timer = setInterval(() => void drain(), options.drainMs ?? 5000);
  return {
    pollers: new Map(parts.map((p) => [p.region.jurisdiction, p.poller])),
    drain,
    async stop() {
      clearInterval(timer);
      await Promise.all(parts.map((p) => p.poller.stop()));
    },
  };
}
