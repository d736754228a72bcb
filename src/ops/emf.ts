import { METRICS_NAMESPACE, type MetricDef } from './metrics.ts';

/**
 * CloudWatch Embedded Metric Format: a JSON log line from which CloudWatch Logs extracts metrics. The root
 * holds the dimension values (strings) and the metric values (a number, or up to 100 numbers); `_aws`
 * says which members are dimensions (sets of at most 30) and which are metrics (at most 100 per directive).
 * Used by code that runs on AWS (the stream consumer) and, as JSON lines, by the Worker.
 */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [member: string]: unknown;
}

export const EMF_MAX_VALUES = 100;
export const EMF_MAX_DIMENSIONS = 30;

/** One metric's values under one label set, as an EMF document (the label names are its dimensions). */
export function emfDocument(metric: MetricDef, labels: Record<string, string>, value: number | readonly number[], timestamp: number, namespace = METRICS_NAMESPACE): EmfDocument {
  const values = typeof value === 'number' ? value : [...value];
  if (Array.isArray(values) && (values.length === 0 || values.length > EMF_MAX_VALUES)) throw new Error(`EMF takes 1 to ${EMF_MAX_VALUES} values per metric, not ${values.length}`);
  const full = [...metric.labels];
  if (full.length > EMF_MAX_DIMENSIONS) throw new Error(`${metric.name} has more than ${EMF_MAX_DIMENSIONS} dimensions`);
  for (const name of full) if (typeof labels[name] !== 'string') throw new Error(`${metric.name} is missing its ${name} label`);
  const sets = [full, ...(metric.rollups ?? []).map((r) => [...r])];
  const unique = sets.filter((s, i) => sets.findIndex((t) => t.join() === s.join()) === i);
  const dimensions: Record<string, string> = {};
  for (const name of full) dimensions[name] = labels[name]!;
  return {
    _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: unique, Metrics: [{ Name: metric.name, Unit: metric.unit }] }] },
    ...dimensions,
    [metric.name]: values,
  };
}
