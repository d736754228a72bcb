import { SingleBar, Presets } from 'cli-progress';
import { countryCodes } from '../shared/countries.ts';
import { InputError } from './transactions.ts';
import { planImport } from './import-plan.ts';
import { ImportInterrupted, runImport, type ImportSummary } from './import-run.ts';

export interface ImportArgs {
  transactions: string;
  url: string;
  key: string;
  country?: string;
  currency: string;
  state?: string;
  concurrency: number;
  batchOrders?: number;
}

const SHOWN = 20;

/** The summary an operator reads at the end: counts, then the first lines of each kind of refusal. */
export function formatSummary(s: ImportSummary, rows: number): string {
  const out = [
    `rows ${rows}: created ${s.created}, duplicate ${s.duplicates}, conflict ${s.conflicts.length}, rejected ${s.rejected.length}`,
    `customers: ${s.customersCreated} created, ${s.customersExisting} already there; batches: ${s.batches} (${s.batchesSkipped} skipped, landed in an earlier run)`,
  ];
  const byCode = new Map<string, { reason: string; lines: number[] }>();
  for (const r of s.rejected) {
    const entry = byCode.get(r.code) ?? { reason: r.reason, lines: [] };
    entry.lines.push(r.line);
    byCode.set(r.code, entry);
  }
  for (const [code, { reason, lines }] of byCode) {
    out.push(`rejected ${code} (${lines.length}): ${reason}; lines ${lines.slice(0, SHOWN).join(', ')}${lines.length > SHOWN ? ', …' : ''}`);
  }
  if (s.conflicts.length > 0) {
    out.push(`conflict (${s.conflicts.length}): another line with the same order and line id is stored, nothing changed; lines ${s.conflicts.slice(0, SHOWN).map((c) => c.line).join(', ')}${s.conflicts.length > SHOWN ? ', …' : ''}`);
  }
  return out.join('\n');
}

/** `cadence import`: returns the process exit code (0 all landed or duplicate, 1 some refused, 2 interrupted). */
export async function importCommand(args: ImportArgs): Promise<number> {
  if (args.country !== undefined && !countryCodes.has(args.country)) throw new InputError(`--country "${args.country}" is not an ISO 3166-1 alpha-2 code`);
  const plan = await planImport(args.transactions, { currency: args.currency, nowMs: Date.now(), ...(args.batchOrders ? { batchOrders: args.batchOrders } : {}) });
  const noCountry = [...plan.customers.values()].filter((c) => c === undefined).length;
  if (noCountry > 0 && !args.country) throw new InputError(`${noCountry} customers have no country column value: pass --country XX for them (it decides where their data is kept)`);
  const statePath = args.state ?? `${args.transactions}.import-state.json`;
  const bar = new SingleBar({ format: 'import |{bar}| {percentage}% | {value}/{total} lines | eta {eta_formatted}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 5000 }, Presets.shades_classic);
  bar.start(plan.batches.flat().reduce((s, o) => s + o.lines.length, 0), 0);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const summary = await runImport(plan, {
      url: args.url,
      key: args.key,
      ...(args.country ? { country: args.country } : {}),
      statePath,
      concurrency: args.concurrency,
      signal: abort.signal,
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    process.stderr.write(`${formatSummary(summary, plan.rows)}\n`);
    if (summary.interrupted) {
      process.stderr.write(`interrupted: run the same command again to resume (state in ${statePath})\n`);
      return 2;
    }
    return summary.rejected.length > 0 || summary.conflicts.length > 0 ? 1 : 0;
  } catch (err) {
    bar.stop();
    if (!(err instanceof ImportInterrupted)) throw err;
    process.stderr.write(`${err.message}\nstopped: what landed is recorded in ${statePath}; run the same command again to resume\n`);
    return 2;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
