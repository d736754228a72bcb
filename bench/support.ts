import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { generateApiKey } from '../src/auth/api-keys.ts';
import { createLocalTables, registerApiKey } from '../src/local/bootstrap.ts';
import { generateDemoData, type DemoData } from '../src/local/demo-data.ts';
import type { StoreName } from '../src/local/dynamo-stores.ts';
import { loadDemoData } from '../src/local/seed.ts';
import { serverCommand } from './load.ts';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU milliseconds per request, per process. */
  cpuPerRequest: Record<string, number>;
}

const children: ChildProcess[] = [];
export const stopServers = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('exit', stopServers);

/** CPU time (user + system, ms) a child process has used so far, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
}

/** CPU time of a process and every process below it (workerd runs under the Node process that starts it). */
export function treeCpuMs(pid: number): number {
  let total = 0;
  try {
    total = cpuMs(pid);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) total += treeCpuMs(Number(child));
    }
  } catch {
    // the process ended while being read
  }
  return total;
}

/**
 * Waits until a process is quiet (under 5% of a core over a second, at most `maxMs`): background work a
 * set-up started (a refit's recomputes, queued analyses) must not be measured as request cost.
 */
export async function quiet(pid: number, maxMs = 120_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const before = cpuMs(pid);
    await new Promise((r) => setTimeout(r, 1000));
    if (cpuMs(pid) - before < 50) return;
  }
}

/** Starts a benchmark server in its own process (so the load generator does not share its event loop). */
export async function startServer<T>(script: string, env: Record<string, string> = {}, options: { pin?: boolean } = {}): Promise<T & { pid: number }> {
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the servers.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const argv = [process.execPath, ...nodeArgs, '--import', 'tsx', script];
  // Pinned to the first core (taskset execs node: the pid is node's), the load generator to the second.
  const [cmd, ...args] = options.pin ? serverCommand(argv) : argv;
  const proc = spawn(cmd!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { ...(JSON.parse(first) as T), pid: proc.pid! };
}

/** The rate limit of the bench's key and customer tokens: the limiter runs on every request and never refuses. */
export const BENCH_RATE = { perSecond: 1_000_000, burst: 1_000_000 };

export interface BenchStack {
  url: string;
  /** Process ids of the API and of the stores, for CPU accounting. */
  apiPid: number;
  storesPid: number;
  /** Where the stores listen (benchmarks that also talk to them directly). */
  storesEndpoints: Record<StoreName, string>;
  adminKey: string;
  jwtSecret: string;
  data: DemoData;
}

/** Stores in one process with demo data, the Node entry (all regions) in another. */
export async function startBenchStack(demoCustomers: number, options: { pin?: boolean } = {}): Promise<BenchStack> {
  const { endpoints, pid: storesPid } = await startServer<{ endpoints: Record<StoreName, string> }>('bench/servers/stores.ts');
  await createLocalTables(endpoints);
  const adminKey = generateApiKey();
  // Limited, so the limiter's cost is in the figures, but far above what the load generator can send.
  await registerApiKey(endpoints.GLOBAL, adminKey, 'bench', ['admin'], BENCH_RATE);
  const data = generateDemoData({ customers: demoCustomers, now: Date.now() });
  await loadDemoData(endpoints, data);
  const jwtSecret = generateApiKey();
  const { url, pid: apiPid } = await startServer<{ url: string }>('bench/servers/cadence-node.ts', {
    BENCH_ENDPOINTS: JSON.stringify(endpoints),
    BENCH_JWT_SECRET: jwtSecret,
  }, options);
  return { url, apiPid, storesPid, storesEndpoints: endpoints, adminKey, jwtSecret, data };
}

/** The same stores served by the Worker in workerd (after the Node entry has set them up). */
export async function startWorkerdTarget(stack: BenchStack, options: { pin?: boolean } = {}): Promise<{ url: string; pid: number }> {
  return startServer<{ url: string }>('bench/servers/cadence-workerd.ts', {
    BENCH_ENDPOINTS: JSON.stringify(stack.storesEndpoints),
    BENCH_JWT_SECRET: stack.jwtSecret,
  }, options);
}

export interface LoadOptions {
  headers?: Record<string, string>;
  seconds: number;
  connections?: number;
  /** Processes whose CPU time per request to report (name -> pid). */
  cpu?: Record<string, number>;
}

export async function load(name: string, url: string, options: LoadOptions): Promise<LoadResult> {
  const { headers = {}, seconds, connections = 50, cpu = {} } = options;
  // A short warm-up (JIT, connection pools, key cache), then the measured run.
  await autocannon({ url, headers, connections, duration: 2 });
  const before = Object.fromEntries(Object.entries(cpu).map(([k, pid]) => [k, cpuMs(pid)]));
  const r = await autocannon({ url, headers, connections, duration: seconds });
  const cpuPerRequest = Object.fromEntries(Object.entries(cpu).map(([k, pid]) => [k, (cpuMs(pid) - before[k]!) / Math.max(1, r.requests.total)]));
  return { name, requestsPerSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, cpuPerRequest };
}

export function printTable(results: LoadResult[]): void {
  console.log('| target | requests/s | p50 ms | p99 ms | errors | non-2xx | CPU ms per request |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const cpu = Object.entries(r.cpuPerRequest).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') || '-';
    console.log(`| ${r.name} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${cpu} |`);
  }
}
