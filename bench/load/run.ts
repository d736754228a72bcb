/** The capacity and soak runs: the generator (bench/load/generator.ts) in its own process, pinned. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generatorCommand } from '../load.ts';
import { quiet } from '../support.ts';
import { capacity, passes, rateSteps, rssGrowth, type GeneratorResult, type GeneratorSpec, type Template } from './stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'cadence-load-'));
let runs = 0;

export async function generate(spec: Omit<GeneratorSpec, 'runId' | 'connections' | 'timeoutMs'> & Partial<GeneratorSpec>): Promise<GeneratorResult> {
  const runId = `${Date.now().toString(36)}-${runs++}`;
  const file = join(dir, `${runId}.json`);
  writeFileSync(file, JSON.stringify({ connections: 256, timeoutMs: 10_000, runId, ...spec }));
  const script = new URL('./generator.ts', import.meta.url).pathname;
  const [cmd, ...args] = generatorCommand([process.execPath, '--import', 'tsx', script, file]);
  const { stdout } = await promisify(execFile)(cmd!, args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as GeneratorResult;
}

export interface CapacityOptions {
  start: number;
  factor: number;
  max: number;
  stepSeconds: number;
  warmSeconds: number;
  p99GoalMs: number;
}

export interface CapacityReport {
  options: CapacityOptions;
  steps: GeneratorResult[];
  /** Requests per second: the highest rate whose p99 stayed under the goal with no errors. */
  capacity: number;
  /** The same figure for the storefront reads alone (writes still sent, not counted): information. */
  readsCapacity: number;
}

const line = (r: GeneratorResult) =>
  `${String(r.rate).padStart(6)} req/s offered, ${String(r.achieved).padStart(6)} answered/s: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms, errors ${r.errors} (5xx ${r.fiveXX})`;

export async function capacityRun(url: string, requests: Template[], apiPid: number, options: CapacityOptions, log: (s: string) => void): Promise<CapacityReport> {
  const steps: GeneratorResult[] = [];
  for (const rate of rateSteps(options.start, options.factor, options.max)) {
    const r = await generate({ url, rate, seconds: options.stepSeconds, warmSeconds: options.warmSeconds, windowSeconds: options.stepSeconds, requests });
    steps.push(r);
    log(`capacity ${line(r)}; reads alone p99 ${r.reads.p99Ms.toFixed(1)} ms${passes(r, options.p99GoalMs) ? '' : '  <- over the goal'}`);
    // Steps on while the reads alone still meet it, so that their figure is known too.
    if (!passes(r, options.p99GoalMs) && !passes(r.reads, options.p99GoalMs)) break;
    await quiet(apiPid, 10_000); // the recomputes the purchases queued are done before the next step
  }
  return { options, steps, capacity: capacity(steps, options.p99GoalMs), readsCapacity: capacity(steps.map((s) => ({ ...s.reads, rate: s.rate })), options.p99GoalMs) };
}

/** Resident set size of a process, from /proc/<pid>/status (kB). */
export const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

export interface SoakReport {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  result: GeneratorResult;
  rss: { t: number; rssKb: number }[];
  /** Fraction, samples of the warm-up discarded. */
  rssGrowth: number;
}

export async function soakRun(url: string, requests: Template[], apiPid: number, rate: number, seconds: number, log: (s: string) => void): Promise<SoakReport> {
  const warmupSeconds = Math.min(60, Math.round(seconds * 0.2));
  const every = Math.max(1, Math.round(seconds / 60));
  const rss: { t: number; rssKb: number }[] = [];
  const t0 = performance.now();
  const sample = () => rss.push({ t: Math.round((performance.now() - t0) / 100) / 10, rssKb: rssKb(apiPid) });
  sample();
  const timer = setInterval(sample, every * 1000);
  const result = await generate({ url, rate, seconds, warmSeconds: 0, windowSeconds: every * 2, requests });
  clearInterval(timer);
  sample();
  const growth = rssGrowth(rss, warmupSeconds);
  log(`soak ${seconds} s at ${rate} req/s: ${line(result)}; RSS ${Math.round(rss[0]!.rssKb / 1024)} → ${Math.round(rss.at(-1)!.rssKb / 1024)} MiB, growth after the ${warmupSeconds} s warm-up ${(growth * 100).toFixed(1)}%`);
  return { rate, seconds, warmupSeconds, result, rss, rssGrowth: growth };
}
