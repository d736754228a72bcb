import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mapLimit } from '../shared/map-limit.ts';
import type { ImportPlan, PlannedOrder, Rejected } from './import-plan.ts';

/**
 * Sends an import plan to a running Cadence through its public API: customers by idempotent create (the
 * shop's id as the idempotency key, so a re-run finds the same Cadence ids), then the batches through
 * `POST /v1/purchases`, a few at a time. Every acknowledged batch is written to a state file at once, so an
 * interrupted import resumes by skipping what landed; a batch the API refuses is split until the orders it
 * refuses are found, and only those are set aside, with their file lines.
 */

export interface ImportOptions {
  url: string;
  key: string;
  /** The country of customers whose rows name none (their residency follows from it). */
  country?: string;
  statePath: string;
  concurrency?: number;
  /** Attempts for a request answered 429/502/503/504 or lost on the network, with Retry-After honoured. */
  attempts?: number;
  onProgress?: (linesDone: number, linesTotal: number) => void;
  /** Stops sending (the batches in flight finish); the state keeps what landed. */
  signal?: AbortSignal;
}

export interface ImportSummary {
  customersCreated: number;
  customersExisting: number;
  created: number;
  duplicates: number;
  conflicts: { line: number; orderId: string; lineId: string }[];
  rejected: Rejected[];
  batches: number;
  batchesSkipped: number;
  interrupted: boolean;
}

interface State {
  plan: string;
  customers: Record<string, string>;
  done: number[];
  created: number;
  duplicates: number;
  conflicts: ImportSummary['conflicts'];
  rejected: Rejected[];
}

/** Thrown when the service stays unavailable: the state file holds what landed. */
export class ImportInterrupted extends Error {}

const planDigest = (plan: ImportPlan) => {
  const h = createHash('sha256');
  for (const batch of plan.batches) for (const o of batch) h.update(`${o.customer}|${o.orderId}|${o.lines.map((l) => `${l.lineId}:${l.quantity}`).join(',')}\n`);
  return h.digest('hex');
};

function readState(path: string, plan: string): State | undefined {
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as State;
  return state.plan === plan ? state : undefined;
}

function writeState(path: string, state: State): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RETRIED = new Set([429, 502, 503, 504]);

async function call(options: ImportOptions, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    let wait: number;
    try {
      const res = await fetch(new URL(path, options.url), { method, headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const parsed = await res.json().catch(() => undefined);
      if (!RETRIED.has(res.status)) return { status: res.status, body: parsed };
      const retryAfter = Number(res.headers.get('retry-after'));
      wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** (attempt - 1);
      if (attempt >= attempts) throw new ImportInterrupted(`${method} ${path} answered ${res.status} ${parsed?.code ?? ''} ${attempts} times`);
    } catch (err) {
      if (err instanceof ImportInterrupted) throw err;
      if (attempt >= attempts) throw new ImportInterrupted(`${method} ${path}: ${(err as Error).message}`);
      wait = 500 * 2 ** (attempt - 1);
    }
    await sleep(Math.min(wait, 30_000));
  }
}

const problemOf = (res: { status: number; body: any }) => ({ code: String(res.body?.code ?? `http_${res.status}`), reason: String(res.body?.title ?? res.body?.detail ?? `answered ${res.status}`) });

async function createCustomers(plan: ImportPlan, options: ImportOptions, state: State, rejectCustomer: Map<string, Rejected>): Promise<{ created: number; existing: number }> {
  let created = 0;
  let existing = 0;
  const todo = [...plan.customers].filter(([shopId]) => !state.customers[shopId]);
  await mapLimit(todo, options.concurrency ?? 4, async ([shopId, country]) => {
    const res = await call(options, 'POST', '/v1/customers', { country: country ?? options.country }, { 'idempotency-key': `import:${shopId}` });
    if (res.status === 201 || res.status === 200) {
      state.customers[shopId] = res.body.id;
      if (res.status === 201) created++;
      else existing++;
    } else {
      const p = problemOf(res);
      rejectCustomer.set(shopId, { line: 0, code: p.code, reason: `customer ${shopId}: ${p.reason}` });
    }
  });
  return { created, existing };
}

const toApi = (o: PlannedOrder, customers: Record<string, string>) => ({ orderId: o.orderId, customerId: customers[o.customer], purchasedAt: o.purchasedAt, lines: o.lines });

interface Outcome {
  created: number;
  duplicates: number;
  conflicts: ImportSummary['conflicts'];
  rejected: Rejected[];
}

/** Sends orders; a refused request is halved until each refused order stands alone. */
async function send(orders: PlannedOrder[], options: ImportOptions, customers: Record<string, string>, out: Outcome): Promise<void> {
  const res = await call(options, 'POST', '/v1/purchases', { orders: orders.map((o) => toApi(o, customers)) });
  if (res.status === 200) {
    const sources = new Map<string, number>();
    for (const o of orders) o.lines.forEach((l, i) => sources.set(`${customers[o.customer]}|${o.orderId}|${l.lineId}`, o.sourceLines[i]!));
    for (const r of res.body.results as { orderId: string; lineId: string; customerId: string; status: string }[]) {
      if (r.status === 'created') out.created++;
      else if (r.status === 'duplicate') out.duplicates++;
      else if (r.status === 'conflict') out.conflicts.push({ line: sources.get(`${r.customerId}|${r.orderId}|${r.lineId}`) ?? 0, orderId: r.orderId, lineId: r.lineId });
    }
    return;
  }
  if (res.status >= 500 || res.status === 401 || res.status === 403) throw new ImportInterrupted(`POST /v1/purchases answered ${res.status} ${problemOf(res).code}`);
  if (orders.length > 1) {
    const half = Math.ceil(orders.length / 2);
    await send(orders.slice(0, half), options, customers, out);
    await send(orders.slice(half), options, customers, out);
    return;
  }
  const p = problemOf(res);
  for (const line of orders[0]!.sourceLines) out.rejected.push({ line, ...p });
}

const linesOf = (batch: readonly PlannedOrder[]) => batch.reduce((t, o) => t + o.lines.length, 0);

export async function runImport(plan: ImportPlan, options: ImportOptions): Promise<ImportSummary> {
  const digest = planDigest(plan);
  const state: State = readState(options.statePath, digest) ?? { plan: digest, customers: {}, done: [], created: 0, duplicates: 0, conflicts: [], rejected: [] };
  const skipped = new Set(state.done);
  const rejectCustomer = new Map<string, Rejected>();
  let customersCreated = 0;
  let customersExisting = 0;
  try {
    ({ created: customersCreated, existing: customersExisting } = await createCustomers(plan, options, state, rejectCustomer));
  } finally {
    writeState(options.statePath, state);
  }
  const total = linesOf(plan.batches.flat());
  let done = linesOf(plan.batches.filter((_, i) => skipped.has(i)).flat());
  options.onProgress?.(done, total);
  let stopped = false;
  const sendBatch = async ({ batch, index }: { batch: PlannedOrder[]; index: number }) => {
    if (stopped || options.signal?.aborted) return void (stopped = true);
    const out: Outcome = { created: 0, duplicates: 0, conflicts: [], rejected: [] };
    for (const o of batch) if (!state.customers[o.customer]) for (const line of o.sourceLines) out.rejected.push({ ...rejectCustomer.get(o.customer)!, line });
    const sendable = batch.filter((o) => state.customers[o.customer]);
    try {
      if (sendable.length > 0) await send(sendable, options, state.customers, out);
    } catch (err) {
      stopped = true;
      throw err;
    }
    // Counted only with the batch: an interrupted batch is sent again whole and counted once.
    state.created += out.created;
    state.duplicates += out.duplicates;
    state.conflicts.push(...out.conflicts);
    state.rejected.push(...out.rejected);
    state.done.push(index);
    writeState(options.statePath, state);
    done += linesOf(batch);
    options.onProgress?.(done, total);
  };
  const phases = [plan.batches.slice(0, plan.returnsFrom), plan.batches.slice(plan.returnsFrom)];
  let first = 0;
  for (const phase of phases) {
    const todo = phase.map((batch, i) => ({ batch, index: first + i })).filter(({ index }) => !skipped.has(index));
    first += phase.length;
    // Returns only once every purchase has landed: a return names a line that must be stored.
    if (!stopped) await mapLimit(todo, options.concurrency ?? 4, sendBatch);
  }
  const rejected = [...plan.rejected, ...state.rejected].sort((a, b) => a.line - b.line);
  return { customersCreated, customersExisting, created: state.created, duplicates: state.duplicates, conflicts: state.conflicts, rejected, batches: plan.batches.length, batchesSkipped: skipped.size, interrupted: stopped };
}
