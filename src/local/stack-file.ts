import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreName } from './dynamo-stores.ts';

/** What a running local stack tells the CLI: where it serves and where its stores listen. */
export interface StackFile {
  url: string;
  endpoints: Record<StoreName, string>;
  pid: number;
  startedAt: string;
}

const fileOf = (dataDir: string) => join(dataDir, 'local-stack.json');

export function writeStackFile(dataDir: string, stack: Omit<StackFile, 'pid' | 'startedAt'>): void {
  writeFileSync(fileOf(dataDir), JSON.stringify({ ...stack, pid: process.pid, startedAt: new Date().toISOString() }, null, 2));
}

export function removeStackFile(dataDir: string): void {
  rmSync(fileOf(dataDir), { force: true });
}

/** The running stack of this data folder, if its process is alive. */
export function readStackFile(dataDir: string): StackFile | undefined {
  const file = fileOf(dataDir);
  if (!existsSync(file)) return undefined;
  const stack = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  try {
    process.kill(stack.pid, 0);
    return stack;
  } catch {
    return undefined; // left behind by a stack that did not stop cleanly
  }
}
