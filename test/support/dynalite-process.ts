import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './stores.ts';

const cli = new URL('../../node_modules/dynalite/cli.js', import.meta.url).pathname;

/**
 * A dynalite server in a process of its own, persisted in a folder, so a test can kill it (the store goes
 * away as a crashed server does) and start it again on the same port with the same data.
 */
export interface StoreProcess {
  endpoint: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections are still accepted by the kernel, nothing is answered. */
  pause(): void;
  resume(): void;
}

export async function startStoreProcess(): Promise<StoreProcess> {
  const port = await freePort();
  const path = mkdtempSync(join(tmpdir(), 'cadence-store-'));
  let child: ChildProcess | undefined;
  const endpoint = `http://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn(process.execPath, [cli, '--port', String(port), '--host', '127.0.0.1', '--path', path, '--createTableMs', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.once('data', () => resolve());
      child!.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    });
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { endpoint, start, stop, pause: () => child?.kill('SIGSTOP'), resume: () => child?.kill('SIGCONT') };
}
