/**
 * Every metric Cadence emits, defined once: its name (the same in Prometheus, Workers Logs and CloudWatch),
 * help, kind, unit and label names. Code records through the helpers below; where the numbers go is the
 * sink set once per process (`setMetricsSink`): nothing by default, prom-client on the Node entry,
 * aggregated JSON log lines on the Worker, CloudWatch EMF on AWS. No label ever carries a customer id, an
 * email or a raw path: routes are patterns, caches and views are names from fixed lists.
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge';
export type MetricUnit = 'Count' | 'Seconds' | 'None';

export interface MetricDef<L extends string = string> {
  name: string;
  help: string;
  kind: MetricKind;
  unit: MetricUnit;
  labels: readonly L[];
  /** The label subsets CloudWatch should roll up by (EMF dimension sets); always includes the full set. */
  rollups?: readonly (readonly L[])[];
}

const def = <L extends string>(d: MetricDef<L>) => d;

export const METRICS = {
  httpRequests: def({ name: 'cadence_http_requests_total', help: 'Requests answered, by route pattern, method, status and region', kind: 'counter', unit: 'Count', labels: ['region', 'route', 'method', 'status'], rollups: [['region']] }),
  httpErrors: def({ name: 'cadence_http_server_errors_total', help: 'Requests answered with a 5xx, by route pattern and region', kind: 'counter', unit: 'Count', labels: ['region', 'route'], rollups: [['region']] }),
  httpDuration: def({ name: 'cadence_http_request_duration_seconds', help: 'Time to answer a request in the app, by route pattern and region', kind: 'histogram', unit: 'Seconds', labels: ['region', 'route'], rollups: [['region']] }),
  cacheReads: def({ name: 'cadence_cache_reads_total', help: 'Isolate cache reads by cache and outcome (hit, miss, stale; coalesced: a miss that joined a read in flight; revalidate: served past its TTL while one request re-reads it)', kind: 'counter', unit: 'Count', labels: ['cache', 'outcome'] }),
  cacheAge: def({ name: 'cadence_cache_served_age_seconds', help: 'Age of what a cache served (hits and stale serves), by cache', kind: 'histogram', unit: 'Seconds', labels: ['cache'] }),
  fastPathHits: def({ name: 'cadence_storefront_fast_path_hits_total', help: 'Warm storefront reads answered before the app, by view and region', kind: 'counter', unit: 'Count', labels: ['region', 'view'], rollups: [['region']] }),
  jobs: def({ name: 'cadence_jobs_total', help: 'Queue messages handled, by kind and outcome (processed, failed, deferred, dead_lettered)', kind: 'counter', unit: 'Count', labels: ['kind', 'outcome'], rollups: [['outcome']] }),
  bedrockCalls: def({ name: 'cadence_bedrock_calls_total', help: 'Bedrock Converse calls, by region, model and outcome', kind: 'counter', unit: 'Count', labels: ['region', 'model', 'outcome'], rollups: [['region'], ['region', 'outcome']] }),
  bedrockDuration: def({ name: 'cadence_bedrock_call_duration_seconds', help: 'Bedrock call latency, by region and model', kind: 'histogram', unit: 'Seconds', labels: ['region', 'model'], rollups: [['region']] }),
  bedrockTokens: def({ name: 'cadence_bedrock_tokens_total', help: 'Bedrock tokens, by region, model and direction (input, output)', kind: 'counter', unit: 'Count', labels: ['region', 'model', 'direction'], rollups: [['region']] }),
  bedrockFallbacks: def({ name: 'cadence_bedrock_fallbacks_total', help: 'Analyses answered statistically instead of by the model, by region and reason', kind: 'counter', unit: 'Count', labels: ['region', 'reason'], rollups: [['region']] }),
  bedrockSpend: def({ name: 'cadence_bedrock_spend_usd_total', help: 'Bedrock spend in US dollars, by region and model', kind: 'counter', unit: 'None', labels: ['region', 'model'], rollups: [['region']] }),
  analysedCustomers: def({ name: 'cadence_insights_analysed_total', help: 'Analyses stored (model or statistical), by region and source', kind: 'counter', unit: 'Count', labels: ['region', 'source'], rollups: [['region']] }),
  streamLag: def({ name: 'cadence_stream_lag_seconds', help: 'Age of the newest event a stream consumer handled (iterator age), by region', kind: 'gauge', unit: 'Seconds', labels: ['region'] }),
  rateLimited: def({ name: 'cadence_rate_limited_total', help: 'Requests refused with 429 by the rate limiter, by region, credential (api_key, customer_token), tier and limiter (bucket, binding)', kind: 'counter', unit: 'Count', labels: ['region', 'credential', 'tier', 'limiter'], rollups: [['region']] }),
  streamEvents: def({ name: 'cadence_stream_events_total', help: 'Stream events handled, by region and outcome (processed, failed)', kind: 'counter', unit: 'Count', labels: ['region', 'outcome'], rollups: [['region']] }),
} as const;

export type MetricKey = keyof typeof METRICS;
export type LabelsOf<K extends MetricKey> = Record<(typeof METRICS)[K]['labels'][number], string>;

/** AWS's own metrics the dashboards and alarms read beside Cadence's (named here so the infra test knows them). */
export const AWS_METRICS = {
  dynamoReadThrottles: { namespace: 'AWS/DynamoDB', name: 'ReadThrottleEvents' },
  dynamoWriteThrottles: { namespace: 'AWS/DynamoDB', name: 'WriteThrottleEvents' },
} as const;

/** The CloudWatch namespace of Cadence's own metrics (EMF documents and dashboards). */
export const METRICS_NAMESPACE = 'Cadence';

/** The caches that report, and the storefront views the fast path answers: fixed names, never data. */
export const CACHE_NAMES = ['views', 'api-keys', 'predictions', 'segments', 'segment-definitions', 'insights', 'experiment-definitions', 'experiment-facts', 'experiment-segments', 'unnamed'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];

/** Where recorded numbers go. A sink must be cheap: it is called on every request and cache read. */
export interface MetricsSink {
  record(metric: MetricDef, labels: Record<string, string>, value: number): void;
  /** A sink that can be scraped (Prometheus) gives its text exposition, of every metric or of those named. */
  expose?(names?: readonly string[]): Promise<{ contentType: string; text: string }>;
  /** A sink that keeps totals (Prometheus) gives a counter's or gauge's current values by label set. */
  values?(name: string): Promise<{ labels: Record<string, string>; value: number }[]>;
}

const noop: MetricsSink = { record: () => {} };

/** The key of a metric's series (its name and label values), remembered for frozen label objects. */
const frozenKeys = new WeakMap<Record<string, string>, Map<string, string>>();
export function seriesKey(metric: MetricDef, labels: Record<string, string>): string {
  const frozen = Object.isFrozen(labels);
  let byMetric = frozen ? frozenKeys.get(labels) : undefined;
  let key = byMetric?.get(metric.name);
  if (key !== undefined) return key;
  key = metric.name;
  for (const name of metric.labels) key += `\u0000${labels[name]}`;
  if (frozen) {
    if (byMetric === undefined) frozenKeys.set(labels, (byMetric = new Map()));
    byMetric.set(metric.name, key);
  }
  return key;
}

/**
 * The label objects of the per-request metrics, made once per value pair: a warm storefront read records
 * three metrics, and allocating their labels each time was a measurable part of its cost. Sinks copy them.
 */
const cacheReadLabels = new Map<string, Map<string, Record<string, string>>>();
const cacheAgeLabels = new Map<string, Record<string, string>>();
const fastPathLabels = new Map<string, Map<string, Record<string, string>>>();
function pairOf(memo: Map<string, Map<string, Record<string, string>>>, k1: string, v1: string, k2: string, v2: string): Record<string, string> {
  let inner = memo.get(v1);
  if (inner === undefined) memo.set(v1, (inner = new Map()));
  let labels = inner.get(v2);
  if (labels === undefined) inner.set(v2, (labels = Object.freeze({ [k1]: v1, [k2]: v2 })));
  return labels;
}

let sink: MetricsSink = noop;

/** Sets the process's sink (once, at start-up; tests set and reset it). */
export function setMetricsSink(next: MetricsSink | undefined): void {
  sink = next ?? noop;
}

export function metricsSink(): MetricsSink {
  return sink;
}

/** Records one value of a metric (a counter's increment, a histogram's observation, a gauge's level). */
export function record<K extends MetricKey>(key: K, labels: LabelsOf<K>, value = 1): void {
  sink.record(METRICS[key], labels, value);
}

/** The recording calls the code makes: one line at each place something happens. */
export const metrics = {
  request(region: string, route: string, method: string, status: number, seconds: number): void {
    sink.record(METRICS.httpRequests, { region, route, method, status: String(status) }, 1);
    sink.record(METRICS.httpDuration, { region, route }, seconds);
    if (status >= 500) sink.record(METRICS.httpErrors, { region, route }, 1);
  },
  cache(cache: CacheName, outcome: 'hit' | 'miss' | 'stale' | 'coalesced' | 'revalidate', ageSeconds?: number): void {
    sink.record(METRICS.cacheReads, pairOf(cacheReadLabels, 'cache', cache, 'outcome', outcome), 1);
    if (ageSeconds === undefined) return;
    let labels = cacheAgeLabels.get(cache);
    if (labels === undefined) cacheAgeLabels.set(cache, (labels = Object.freeze({ cache })));
    sink.record(METRICS.cacheAge, labels, ageSeconds);
  },
  fastPathHit(region: string, view: string): void {
    sink.record(METRICS.fastPathHits, pairOf(fastPathLabels, 'region', region, 'view', view), 1);
  },
  job(kind: string, outcome: 'processed' | 'failed' | 'deferred' | 'dead_lettered'): void {
    sink.record(METRICS.jobs, { kind, outcome }, 1);
  },
  bedrockCall(region: string, model: string, outcome: string, usage: { inputTokens: number; outputTokens: number }, costUsd: number, seconds?: number): void {
    sink.record(METRICS.bedrockCalls, { region, model, outcome }, 1);
    sink.record(METRICS.bedrockTokens, { region, model, direction: 'input' }, usage.inputTokens);
    sink.record(METRICS.bedrockTokens, { region, model, direction: 'output' }, usage.outputTokens);
    if (costUsd > 0) sink.record(METRICS.bedrockSpend, { region, model }, costUsd);
    if (seconds !== undefined) sink.record(METRICS.bedrockDuration, { region, model }, seconds);
  },
  analysed(region: string, source: string): void {
    sink.record(METRICS.analysedCustomers, { region, source }, 1);
  },
  bedrockFallback(region: string, reason: string): void {
    sink.record(METRICS.bedrockFallbacks, { region, reason }, 1);
  },
  rateLimited(region: string, credential: 'api_key' | 'customer_token', tier: string, limiter: 'bucket' | 'binding'): void {
    sink.record(METRICS.rateLimited, { region, credential, tier, limiter }, 1);
  },
};
