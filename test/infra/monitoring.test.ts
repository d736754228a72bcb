import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { bundleHeavyJobs, bundleStreamConsumer } from '../../infra/consumer-bundle.ts';
import { buildInfra } from '../../infra/stacks.ts';
import { AWS_METRICS, METRICS, METRICS_NAMESPACE, type MetricDef } from '../../src/ops/metrics.ts';
import { JURISDICTION_TABLES } from '../../src/storage/tables.ts';

type Resource = { Type: string; Properties: Record<string, any> };
type Used = { where: string; namespace: string; name: string; dimensions: string[] };
let templates: Record<'EU' | 'ROW', Record<string, Resource>>;

beforeAll(() => {
  const stacks = buildInfra(new App(), { regions, account: '123456789012', consumerCodeDir: bundleStreamConsumer(), heavyJobsCodeDir: bundleHeavyJobs(), dailyBudgetUsd: 50 });
  templates = { EU: Template.fromStack(stacks.EU).toJSON().Resources, ROW: Template.fromStack(stacks.ROW).toJSON().Resources };
}, 60_000);

const of = (j: 'EU' | 'ROW', type: string) => Object.values(templates[j]).filter((r) => r.Type === type);

/** A dashboard body is a Fn::Join of strings and tokens (the stack's region): joined, it is the JSON CloudWatch reads. */
const body = (d: Resource) => {
  const b = d.Properties.DashboardBody;
  const text = typeof b === 'string' ? b : (b['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text) as { widgets: { properties: { title: string; metrics?: unknown[][] } }[] };
};

function metricsUsed(j: 'EU' | 'ROW'): Used[] {
  const used: Used[] = [];
  for (const d of of(j, 'AWS::CloudWatch::Dashboard')) {
    for (const w of body(d).widgets) {
      for (const m of w.properties.metrics ?? []) {
        if (typeof m[0] !== 'string') continue; // a math expression: its inputs are listed too
        const dims = m.slice(2).filter((x) => typeof x === 'string') as string[];
        used.push({ where: `${d.Properties.DashboardName}/${w.properties.title}`, namespace: m[0], name: m[1] as string, dimensions: dims.filter((_, i) => i % 2 === 0) });
      }
    }
  }
  for (const a of of(j, 'AWS::CloudWatch::Alarm')) {
    const stats = a.Properties.MetricName ? [{ Namespace: a.Properties.Namespace, MetricName: a.Properties.MetricName, Dimensions: a.Properties.Dimensions ?? [] }] : (a.Properties.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
    for (const s of stats) used.push({ where: a.Properties.AlarmName, namespace: s.Namespace, name: s.MetricName, dimensions: (s.Dimensions ?? []).map((d: { Name: string }) => d.Name) });
  }
  return used;
}

describe('dashboards and alarms (CDK, synthesized offline)', () => {
  it('has the four dashboards per jurisdiction', () => {
    for (const j of ['EU', 'ROW'] as const) {
      expect(of(j, 'AWS::CloudWatch::Dashboard').map((d) => d.Properties.DashboardName).sort()).toEqual([`Cadence-${j}-ai-performance`, `Cadence-${j}-batch-streaming`, `Cadence-${j}-cache`, `Cadence-${j}-cost`]);
    }
  });

  it('uses only metric names the metrics module defines, with dimension sets the code emits', () => {
    const defs = new Map((Object.values(METRICS) as MetricDef[]).map((m) => [m.name, m]));
    const aws = new Set(Object.values(AWS_METRICS).map((m) => `${m.namespace}/${m.name}`));
    for (const j of ['EU', 'ROW'] as const) {
      const used = metricsUsed(j);
      expect(used.length).toBeGreaterThan(50);
      const wrong: string[] = [];
      for (const u of used) {
        if (u.namespace !== METRICS_NAMESPACE) {
          if (!aws.has(`${u.namespace}/${u.name}`)) wrong.push(`${u.where}: ${u.namespace}/${u.name}`);
          continue;
        }
        const def = defs.get(u.name);
        if (!def) {
          wrong.push(`${u.where}: ${u.name} is not in src/ops/metrics.ts`);
          continue;
        }
        // CloudWatch has data only for the dimension sets EMF declared: the full label set and the roll-ups.
        const sets = [def.labels, ...(def.rollups ?? [])].map((s) => [...s].sort().join(','));
        if (!sets.includes([...u.dimensions].sort().join(','))) wrong.push(`${u.where}: ${u.name} by (${u.dimensions.join(', ')}) is never emitted`);
      }
      expect(wrong).toEqual([]);
      // Every area the issue names is watched.
      const names = new Set(used.map((u) => u.name));
      for (const m of [METRICS.bedrockCalls, METRICS.bedrockDuration, METRICS.bedrockFallbacks, METRICS.bedrockSpend, METRICS.cacheReads, METRICS.cacheAge, METRICS.jobs, METRICS.streamLag]) expect(names).toContain(m.name);
    }
  });

  it('alarms on the budget at 80% and 100%, error rate, dead letters, stream lag and every personal table throttling', () => {
    for (const j of ['EU', 'ROW'] as const) {
      const alarms = of(j, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
      const byName = new Map(alarms.map((a) => [a.AlarmName as string, a]));
      expect(byName.get(`Cadence-${j}-Budget80`)!.Threshold).toBe(40);
      expect(byName.get(`Cadence-${j}-Budget100`)!.Threshold).toBe(50);
      for (const n of ['ErrorRate', 'DeadLetters', 'StreamLag']) expect(byName.has(`Cadence-${j}-${n}`)).toBe(true);
      expect(alarms.filter((a) => /Throttles-/.test(a.AlarmName)).map((a) => a.AlarmName).sort()).toEqual(JURISDICTION_TABLES.map((k) => `Cadence-${j}-Throttles-${k}`).sort());
      // Every alarm notifies the jurisdiction's topic, and no alarm fires on missing data.
      for (const a of alarms) {
        expect(a.AlarmActions).toHaveLength(1);
        expect(a.TreatMissingData).toBe('notBreaching');
      }
      // A ROW alarm never watches an EU table, and the reverse.
      expect(JSON.stringify(alarms)).not.toContain(j === 'EU' ? 'cadence-row-' : 'cadence-eu-');
    }
  });
});
