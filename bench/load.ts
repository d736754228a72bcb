/**
 * The load generator for the storefront benchmark: wrk when it is installed (Debian's package), else
 * autocannon in a process of its own; pinned to the second core when there are two, so it does not
 * share the server's core.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';

export interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const twoCores = cpus().length >= 2 && has('taskset');
export const generator = has('wrk') ? 'wrk' : 'autocannon';
const pinned = (core: number, argv: string[]) => (twoCores ? ['taskset', '-c', String(core), ...argv] : argv);

/** The command that starts a server process pinned to the first core (when there are two). */
export const serverCommand = (argv: string[]) => pinned(0, argv);

const ms = (v: string) => (v.endsWith('us') ? Number(v.slice(0, -2)) / 1000 : v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000);

export async function measure(url: string, headers: Record<string, string>, seconds: number, connections = 50): Promise<Measured> {
  if (generator === 'wrk') {
    const args = ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
    const [cmd, ...rest] = pinned(1, args);
    const { stdout } = await promisify(execFile)(cmd!, rest, { maxBuffer: 1 << 20 });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
    const p50 = /50%\s+([\d.]+\w+)/.exec(stdout)?.[1];
    const p99 = /99%\s+([\d.]+\w+)/.exec(stdout)?.[1];
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
    if (!Number.isFinite(rps) || !p50 || !p99) throw new Error(`could not read wrk's output:\n${stdout}`);
    return { requestsPerSecond: rps, p50Ms: ms(p50), p99Ms: ms(p99), non2xx };
  }
  const script = new URL('./load-runner.ts', import.meta.url).pathname;
  const [cmd, ...rest] = pinned(1, [process.execPath, '--import', 'tsx', script, JSON.stringify({ url, headers, seconds, connections })]);
  const { stdout } = await promisify(execFile)(cmd!, rest, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Measured;
}

/** The command that starts the load generator pinned to the second core (when there are two). */
export const generatorCommand = (argv: string[]) => pinned(1, argv);
