import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../storage/batch.ts';
import { modelKeys } from '../storage/keys.ts';

/**
 * AI spend aggregated per day and per month, per deployment region, in the global models table: totals
 * name no customer, so they may live everywhere (the ledger lines that do stay in the customer's
 * jurisdiction). Each item holds flat counters updated with ADD, one set per model, so a call costs one
 * UpdateItem per period and a budget check is one BatchGetItem.
 */
export interface CallRecord {
  modelId: string;
  inputTokens: number;
  outputTokens: number;
  calls: number;
  costUsd: number;
  /** The call produced an analysis (not a refusal, timeout or invalid answer). */
  analysed: boolean;
}

export interface ModelTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  analyses: number;
}

export interface PeriodTotals {
  period: string;
  region: string;
  models: Record<string, ModelTotals>;
  /** Statistical answers given instead of the model's, by reason (over_budget is the budget's refusals). */
  fallbacks: Record<string, number>;
}

export interface CostStore {
  /** Adds a call to the totals of one period of `at`: the day or the month. */
  record(regionId: string, at: number, call: CallRecord, period: 'day' | 'month'): Promise<void>;
  countFallback(regionId: string, at: number, reason: string): Promise<void>;
  /** Totals of these periods (YYYY-MM-DD days or YYYY-MM months) for these regions; missing ones are empty. */
  totals(periods: readonly string[], regionIds: readonly string[]): Promise<PeriodTotals[]>;
}

const key = (period: string, regionId: string) => modelKeys.costs(period, regionId).modelKey;
const periodsOf = (at: number) => {
  const iso = new Date(at).toISOString();
  return [iso.slice(0, 10), iso.slice(0, 7)];
};
// Attribute names carry the model id, which holds ':' and '.': fine inside ExpressionAttributeNames.
const attr = (field: string, modelId: string) => `${field}|${modelId}`;

/** The counters in the global models table, one item per period and region (ADD updates). */
export class DynamoCostStore implements CostStore {
  readonly record: CostStore['record'];
  readonly countFallback: CostStore['countFallback'];
  readonly totals: CostStore['totals'];

  constructor(doc: DynamoDBDocumentClient, table: string) {
    const store = costStore(doc, table);
    this.record = store.record;
    this.countFallback = store.countFallback;
    this.totals = store.totals;
  }
}

function costStore(doc: DynamoDBDocumentClient, table: string): CostStore {
  async function add(regionId: string, at: number, counters: Record<string, number>, which: readonly ('day' | 'month')[] = ['day', 'month']) {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const parts = Object.entries(counters).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} :v${i}`;
    });
    const [day, month] = periodsOf(at);
    for (const period of which.map((w) => (w === 'day' ? day! : month!))) {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { modelKey: key(period, regionId) },
          UpdateExpression: `ADD ${parts.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    }
  }

  return {
    record: (regionId, at, call, period) =>
      add(
        regionId,
        at,
        {
        [attr('calls', call.modelId)]: call.calls,
        [attr('in', call.modelId)]: call.inputTokens,
        [attr('out', call.modelId)]: call.outputTokens,
        // Micro-dollars, integers: sums stay exact.
        [attr('micro', call.modelId)]: Math.round(call.costUsd * 1e6),
        [attr('analyses', call.modelId)]: call.analysed ? 1 : 0,
        },
        [period],
      ),
    countFallback: (regionId, at, reason) => add(regionId, at, { [attr('fallback', reason)]: 1 }),
    async totals(periods, regionIds) {
      const keys = periods.flatMap((p) => regionIds.map((r) => ({ modelKey: key(p, r) })));
      const items = await batchGetAll(doc, table, keys);
      const found = new Map(items.map((i) => [i.modelKey as string, i]));
      const out: PeriodTotals[] = [];
      for (const period of periods) {
        for (const region of regionIds) {
          const item = found.get(key(period, region));
          const totals: PeriodTotals = { period, region, models: {}, fallbacks: {} };
          for (const [name, value] of Object.entries(item ?? {})) {
            const bar = name.indexOf('|');
            if (bar < 0 || typeof value !== 'number') continue;
            const field = name.slice(0, bar);
            const sub = name.slice(bar + 1);
            if (field === 'fallback') {
              totals.fallbacks[sub] = value;
              continue;
            }
            const m = (totals.models[sub] ??= { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, analyses: 0 });
            if (field === 'calls') m.calls = value;
            else if (field === 'in') m.inputTokens = value;
            else if (field === 'out') m.outputTokens = value;
            else if (field === 'micro') m.costUsd = value / 1e6;
            else if (field === 'analyses') m.analyses = value;
          }
          out.push(totals);
        }
      }
      return out;
    },
  };
}
