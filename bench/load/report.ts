/** The load suite's report: JSON (everything), Markdown (the figures and the verdicts), two SVG plots. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart } from './chart.ts';
import type { BedrockFaultReport, KinesisFaultReport } from './faults.ts';
import type { DrillReport } from './failover.ts';
import type { StoreFaultReport } from './fault-store.ts';
import type { CapacityReport, SoakReport } from './run.ts';

export interface Goal {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LoadReport {
  startedAt: string;
  finishedAt: string;
  machine: { cores: number; node: string; pinned: boolean; generator: string };
  capacity: CapacityReport;
  soak?: SoakReport;
  faults: { store?: StoreFaultReport; bedrock?: BedrockFaultReport; kinesis?: KinesisFaultReport };
  failover?: DrillReport[];
  goals: Goal[];
}

export function capacityChart(c: CapacityReport): string {
  return lineChart({
    title: 'Capacity: latency against offered rate (storefront mix + 10% ingestion)',
    xLabel: 'offered requests per second',
    yLabel: 'latency (ms)',
    series: [
      { name: 'p50', points: c.steps.map((s) => [s.rate, s.p50Ms]) },
      { name: 'p99', points: c.steps.map((s) => [s.rate, s.p99Ms]) },
      { name: 'reads p99', points: c.steps.map((s) => [s.rate, s.reads.p99Ms]) },
    ],
    goal: { y: c.options.p99GoalMs, label: `p99 goal ${c.options.p99GoalMs} ms` },
  });
}

export function soakChart(s: SoakReport): string {
  return lineChart({
    title: `Soak: ${s.seconds} s at ${s.rate} req/s`,
    xLabel: 'seconds',
    yLabel: 'p99 latency (ms) / RSS (MiB)',
    series: [
      { name: 'p99 ms', points: s.result.windows.map((w) => [w.t, w.p99Ms]) },
      { name: 'p50 ms', points: s.result.windows.map((w) => [w.t, w.p50Ms]) },
      { name: 'server RSS MiB', points: s.rss.map((r) => [r.t, Math.round(r.rssKb / 102.4) / 10]) },
    ],
  });
}

const yes = (ok: boolean) => (ok ? 'met' : '**NOT met**');

export function markdown(r: LoadReport): string {
  const out: string[] = [
    '# Load, soak and faults (`npm run load`)',
    '',
    `${r.startedAt} → ${r.finishedAt}; Node ${r.machine.node}, ${r.machine.cores} cores, ${r.machine.pinned ? 'server on core 0, generator on core 1' : 'not pinned'}; generator: ${r.machine.generator}.`,
    '',
    '## Goals',
    '',
    '| goal | verdict | figures |',
    '|---|---|---|',
    ...r.goals.map((g) => `| ${g.name} | ${yes(g.ok)} | ${g.detail} |`),
    '',
    `## Capacity: ${r.capacity.capacity} requests/s`,
    '',
    `Open loop at rising rates (${r.capacity.options.stepSeconds} s each after ${r.capacity.options.warmSeconds} s of warm-up); the capacity is the highest rate whose p99 stays under ${r.capacity.options.p99GoalMs} ms with no errors.`,
    '',
    `For information, the same rule on the storefront reads alone (the purchases still sent, not counted): ${r.capacity.readsCapacity} requests/s.`,
    '',
    '| offered req/s | answered/s | p50 ms | p99 ms | max ms | errors | 5xx | reads p99 ms | p99 by part (ms) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...r.capacity.steps.map((s) => `| ${s.rate} | ${s.achieved} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.errors} | ${s.fiveXX} | ${s.reads.p99Ms} | ${Object.entries(s.byKind).map(([k, f]) => `${k} ${f.p99Ms}`).join(', ')} |`),
    '',
    '![capacity](load-capacity.svg)',
    '',
  ];
  if (r.soak) {
    const s = r.soak;
    out.push(
      '## Soak',
      '',
      `${s.seconds} s at ${s.rate} req/s (half the capacity): ${s.result.count} requests, p50 ${s.result.p50Ms} ms, p99 ${s.result.p99Ms} ms, errors ${s.result.errors} (5xx ${s.result.fiveXX}${Object.keys(s.result.failures).length ? `; no answer: ${JSON.stringify(s.result.failures)}` : ''}); server RSS ${(s.rss[0]!.rssKb / 1024).toFixed(0)} → ${(s.rss.at(-1)!.rssKb / 1024).toFixed(0)} MiB, growth (median of the last third of the samples after the first ${s.warmupSeconds} s against the first third): ${(s.rssGrowth * 100).toFixed(1)}%.`,
      '',
      '![soak](load-soak.svg)',
      '',
    );
  }
  out.push('## Faults', '');
  const f = r.faults;
  if (f.store) out.push(`- **EU store killed for ${f.store.downSeconds} s**: writes accepted ${f.store.writes.accepted}, found after the restart ${f.store.acceptedWritesFound}, **accepted writes lost ${f.store.acceptedWritesLost}**; writes answered during the outage ${f.store.writes.duringOutage}, not 503 ${f.store.writes.duringOutageNot503}; 503s without Retry-After ${f.store.writes.refusedWithoutRetryAfter}; cached reads during the outage ${f.store.reads.duringOutage}, answered ${f.store.reads.answered}, marked stale (\`warning: 110\`) ${f.store.reads.markedStale}; other 5xx ${f.store.other5xx}.`);
  if (f.bedrock) out.push(`- **Bedrock answering only throttles, 500s and 503s**: ${f.bedrock.analyses} analyses asked, ${f.bedrock.statistical} statistical with a fallback reason (${JSON.stringify(f.bedrock.fallbackReasons)}); Bedrock calls refused ${f.bedrock.bedrockCallsRefused}; 5xx to callers ${f.bedrock.fiveXX}.`);
  if (f.kinesis) out.push(`- **EU Kinesis stopped**: purchase lines accepted meanwhile ${f.kinesis.linesAccepted} (refused ${f.kinesis.refused}, 5xx ${f.kinesis.fiveXX}); live figures during the outage +${f.kinesis.liveDuringOutage}; delivered after it returned ${f.kinesis.deliveredAfter}, caught up in ${f.kinesis.catchUpSeconds} s.`);
  if (r.failover) {
    out.push('', '## Failover drills (workerd)', '', '| home down | expected | requests | failed | served by | by the other jurisdiction |', '|---|---|---:|---:|---|---:|');
    for (const d of r.failover) out.push(`| ${d.down} | ${d.expected} | ${d.requests} | ${d.failed} | ${Object.entries(d.servedBy).map(([k, v]) => `${k} ${v}`).join(', ')} | ${d.otherJurisdiction} |`);
  }
  return `${out.join('\n')}\n`;
}

export function writeReport(dir: string, r: LoadReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'load.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'load.md'), markdown(r));
  writeFileSync(join(dir, 'load-capacity.svg'), `${capacityChart(r.capacity)}\n`);
  if (r.soak) writeFileSync(join(dir, 'load-soak.svg'), `${soakChart(r.soak)}\n`);
}
