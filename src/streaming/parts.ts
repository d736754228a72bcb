import type { PurchaseService } from '../purchases/purchases.service.ts';
import type { Region } from '../regions/region.schema.ts';
import type { CustomerService } from '../customers/customers.service.ts';
import type { ExperimentLookup } from '../experiments/lookup.ts';
import type { Erasure } from '../privacy/erasure.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import { publishDue } from './due.ts';
import { consentChangedEvent, customerCreatedEvent, customerErasedEvent, exposureEvent, purchaseLineEvent } from './events.model.ts';
import { StreamingService } from './streaming.service.ts';
import { LiveConsumer } from './consumer.ts';
import { KinesisEventStream, type KinesisConnection } from './kinesis.ts';
import type { LiveRepository } from './live.repository.ts';
import type { Outbox } from './outbox.repository.ts';
import { EventProducer } from './producer.ts';
import type { EventStream } from './stream.ts';

/** The streaming side of a deployment, for the consumer's hosts (the local poller, the Lambda handler). */
export interface StreamingParts {
  stream: EventStream;
  producer: EventProducer;
  consumer: LiveConsumer;
  live: LiveRepository;
}

export interface StreamingPartsDeps {
  region: Region;
  connection: Omit<KinesisConnection, 'region'>;
  outbox: Outbox;
  live: LiveRepository;
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  now: () => number;
}

export function streamingParts(deps: StreamingPartsDeps): StreamingParts {
  const { region, live, now } = deps;
  // The jurisdiction's stream in its home region (the region set checks it never crosses the border).
  const stream = new KinesisEventStream(region.stream.name, { ...deps.connection, region: region.stream.awsRegion });
  return {
    stream,
    producer: new EventProducer({ stream, outbox: deps.outbox, now }),
    consumer: new LiveConsumer({ jurisdiction: region.jurisdiction, live, erasedCustomers: deps.erasedCustomers, now }),
    live,
  };
}

/**
 * A deployment's streaming: the live figures' service always (it answers `streaming.disabled` without a
 * stream); with a stream, its parts and the producer subscribed to stored purchase lines. Required: if
 * neither the stream nor the outbox took a request's events, the purchase answers 503 (a resend heals it).
 */
/** The services whose facts go on the stream. */
export interface EventSources {
  purchases: Pick<PurchaseService, 'onStored'>;
  customers: Pick<CustomerService, 'onFact'>;
  exposures: Pick<ExperimentLookup, 'onExposure'>;
  erasures: Pick<Erasure, 'onRequested'>;
  /** Customers seen due by a recompute (the live "became due today"). */
  predictions: Pick<PredictionService, 'onComputed' | 'onRefitted'>;
}

export function deploymentStreaming(deps: Omit<StreamingPartsDeps, 'connection'> & { connection: StreamingPartsDeps['connection'] | undefined; sources: EventSources }): { parts?: StreamingParts; service: StreamingService } {
  const { region, live, now } = deps;
  const jurisdiction = region.jurisdiction;
  if (!deps.connection) return { service: new StreamingService({ jurisdiction, live, now }) };
  const parts = streamingParts({ ...deps, connection: deps.connection });
  const where = { jurisdiction, region: region.id };
  const publish = async (...events: Parameters<typeof parts.producer.publish>[0]) => void (await parts.producer.publish(events));
  const { purchases, customers, exposures, erasures } = deps.sources;
  purchases.onStored((lines) => parts.producer.publish(lines.map((l) => purchaseLineEvent(l, where))), { required: true });
  customers.onFact((fact) =>
    fact.kind === 'created' ? publish(customerCreatedEvent(fact.customer.id, fact.customer.createdAt, where)) : publish(consentChangedEvent(fact.customerId, fact.profiling, fact.at, fact.at, where)),
  );
  exposures.onExposure((e) => publish(exposureEvent(e, where)));
  erasures.onRequested((customerId, at) => publish(customerErasedEvent(customerId, at, where)));
  publishDue(deps.sources.predictions, (events) => parts.producer.publish(events), where, now);
  return { parts, service: new StreamingService({ jurisdiction, producer: parts.producer, live, now }) };
}
