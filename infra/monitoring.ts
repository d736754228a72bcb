import { Duration, type Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AWS_METRICS, CACHE_NAMES, METRICS, METRICS_NAMESPACE, type MetricDef } from '../src/ops/metrics.ts';
import type { Jurisdiction, Region } from '../src/regions/region.schema.ts';
import { JURISDICTION_TABLES } from '../src/storage/tables.ts';

export interface MonitoringProps {
  jurisdiction: Jurisdiction;
  /** The jurisdiction's regions, home first: dashboards show each; alarms watch the home region. */
  serving: readonly Region[];
  /** The daily AI budget the app enforces (CADENCE_AI_DAILY_BUDGET_USD), for the budget alarms and lines. */
  dailyBudgetUsd: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/** One of Cadence's metrics (names only from src/ops/metrics.ts), in a region, by the given dimensions. */
function cadence(def: MetricDef, region: Region, statistic: string, dimensions: Record<string, string> = {}, period = FIVE_MINUTES): Metric {
  const dims = def.labels.includes('region' as never) ? { region: region.id, ...dimensions } : dimensions;
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: def.name, dimensionsMap: dims, statistic, period, region: region.awsRegion, label: `${region.id}` });
}

const graph = (title: string, left: IMetric[], extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {}) => new GraphWidget({ title, left, width: 12, height: 6, ...extra });

/**
 * Four CloudWatch dashboards per jurisdiction (AI performance, cost, cache, batch and streaming) and its
 * alarms (budget at 80% and 100%, error rate, dead letters, stream lag, DynamoDB throttles), all on
 * metric names the code emits (src/ops/metrics.ts) or AWS's own. Alarms notify one SNS topic.
 */
export function buildMonitoring(stack: Stack, props: MonitoringProps): { dashboards: Dashboard[]; alarms: Alarm[] } {
  const { jurisdiction: j, serving, dailyBudgetUsd } = props;
  const home = serving[0]!;
  const day = Duration.days(1);
  const perRegion = (f: (r: Region) => IMetric[]) => serving.flatMap(f);
  const models = (r: Region) => [...new Set([r.bedrock.modelId])];

  const ai = new Dashboard(stack, `Dashboard-AiPerformance`, { dashboardName: `Cadence-${j}-ai-performance` });
  ai.addWidgets(
    graph('Bedrock calls (answers and errors)', perRegion((r) => [cadence(METRICS.bedrockCalls, r, 'Sum', { outcome: 'answer' }), cadence(METRICS.bedrockCalls, r, 'Sum', { outcome: 'unavailable' }), cadence(METRICS.bedrockCalls, r, 'Sum', { outcome: 'timeout' }), cadence(METRICS.bedrockCalls, r, 'Sum', { outcome: 'invalid_answer' })])),
    graph('Bedrock latency p50 / p99 (s)', perRegion((r) => models(r).flatMap((model) => [cadence(METRICS.bedrockDuration, r, 'p50', { model }), cadence(METRICS.bedrockDuration, r, 'p99', { model })]))),
    graph('Statistical fallbacks', perRegion((r) => [cadence(METRICS.bedrockFallbacks, r, 'Sum')])),
    graph('Request latency p50 / p99 (s)', perRegion((r) => [cadence(METRICS.httpDuration, r, 'p50'), cadence(METRICS.httpDuration, r, 'p99')])),
  );

  const cost = new Dashboard(stack, `Dashboard-Cost`, { dashboardName: `Cadence-${j}-cost` });
  cost.addWidgets(
    graph('AI spend per day by model and region (USD)', perRegion((r) => models(r).map((model) => cadence(METRICS.bedrockSpend, r, 'Sum', { model }, day))), {
      leftAnnotations: [{ value: dailyBudgetUsd, label: 'daily budget' }, { value: dailyBudgetUsd * 0.8, label: '80%' }],
    }),
    graph('Cost per analysed customer (USD)', serving.map((r, i) => new MathExpression({ expression: `spend${i} / IF(analysed${i} > 0, analysed${i}, 1)`, usingMetrics: { [`spend${i}`]: cadence(METRICS.bedrockSpend, r, 'Sum', {}, day), [`analysed${i}`]: cadence(METRICS.analysedCustomers, r, 'Sum', {}, day) }, label: r.id, period: day }))),
    graph('Tokens per day', perRegion((r) => models(r).flatMap((model) => [cadence(METRICS.bedrockTokens, r, 'Sum', { model, direction: 'input' }, day), cadence(METRICS.bedrockTokens, r, 'Sum', { model, direction: 'output' }, day)]))),
  );

  const cache = new Dashboard(stack, `Dashboard-Cache`, { dashboardName: `Cadence-${j}-cache` });
  const named = CACHE_NAMES.filter((c) => c !== 'unnamed');
  cache.addWidgets(
    graph('Hit rate by cache (%)', named.map((c, i) => new MathExpression({ expression: `100 * hit${i} / IF(hit${i} + miss${i} > 0, hit${i} + miss${i}, 1)`, usingMetrics: { [`hit${i}`]: cadence(METRICS.cacheReads, home, 'Sum', { cache: c, outcome: 'hit' }), [`miss${i}`]: cadence(METRICS.cacheReads, home, 'Sum', { cache: c, outcome: 'miss' }) }, label: c }))),
    graph('Age served p50 / p99 (s)', named.flatMap((c) => [cadence(METRICS.cacheAge, home, 'p50', { cache: c }), cadence(METRICS.cacheAge, home, 'p99', { cache: c })])),
    graph('Stale serves (store unavailable)', named.map((c) => cadence(METRICS.cacheReads, home, 'Sum', { cache: c, outcome: 'stale' }))),
    graph('Storefront fast-path hits', perRegion((r) => [cadence(METRICS.fastPathHits, r, 'Sum')])),
  );

  const batch = new Dashboard(stack, `Dashboard-BatchStreaming`, { dashboardName: `Cadence-${j}-batch-streaming` });
  batch.addWidgets(
    graph('Jobs by outcome', (['processed', 'failed', 'deferred', 'dead_lettered'] as const).map((outcome) => cadence(METRICS.jobs, home, 'Sum', { outcome }))),
    graph('Stream consumer lag (s)', perRegion((r) => [cadence(METRICS.streamLag, r, 'Maximum')])),
    graph('Stream events', perRegion((r) => [cadence(METRICS.streamEvents, r, 'Sum')])),
  );

  const topic = new Topic(stack, 'Alarms', { topicName: `cadence-${j.toLowerCase()}-alarms`, displayName: `Cadence ${j} alarms` });
  const alarm = (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
    const a = new Alarm(stack, id, { alarmName: `Cadence-${j}-${id}`, metric, threshold, evaluationPeriods, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: TreatMissingData.NOT_BREACHING, alarmDescription: description });
    a.addAlarmAction(new SnsAction(topic));
    return a;
  };
  const spend = cadence(METRICS.bedrockSpend, home, 'Sum', {}, day);
  const alarms = [
    alarm('Budget80', spend, dailyBudgetUsd * 0.8, `${home.id} AI spend over the last day reached 80% of the daily budget`),
    alarm('Budget100', spend, dailyBudgetUsd, `${home.id} AI spend over the last day reached the daily budget: analyses fall back to statistics`),
    alarm('ErrorRate', new MathExpression({ expression: '100 * errors / IF(requests > 0, requests, 1)', usingMetrics: { errors: cadence(METRICS.httpErrors, home, 'Sum'), requests: cadence(METRICS.httpRequests, home, 'Sum') }, period: FIVE_MINUTES, label: '5xx %' }), 1, `More than 1% of ${home.id} requests answered 5xx, 3 periods of 5 minutes running`, 3),
    alarm('DeadLetters', cadence(METRICS.jobs, home, 'Sum', { outcome: 'dead_lettered' }), 1, 'A queue message was dead-lettered (the dead-letter queue is not empty)'),
    alarm('StreamLag', cadence(METRICS.streamLag, home, 'Maximum'), 60, 'The stream consumer is more than a minute behind, 3 periods of 5 minutes running', 3),
    ...JURISDICTION_TABLES.map((kind) => {
      const table = home.tables[kind];
      const throttle = (name: string) => new Metric({ namespace: AWS_METRICS.dynamoReadThrottles.namespace, metricName: name, dimensionsMap: { TableName: table }, statistic: 'Sum', period: FIVE_MINUTES });
      const expr = new MathExpression({ expression: 'r + w', usingMetrics: { r: throttle(AWS_METRICS.dynamoReadThrottles.name), w: throttle(AWS_METRICS.dynamoWriteThrottles.name) }, period: FIVE_MINUTES, label: `${kind} throttles` });
      return alarm(`Throttles-${kind}`, expr, 1, `DynamoDB throttled requests on ${table}`);
    }),
  ];
  return { dashboards: [ai, cost, cache, batch], alarms };
}
