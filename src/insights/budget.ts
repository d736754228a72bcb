import type { Region } from '../regions/region.schema.ts';
import type { CostStore } from './costs.repository.ts';

export interface Budgets {
  dailyUsd: number;
  monthlyUsd: number;
}

export interface BudgetDeps {
  /** The deployment whose own budget applies (from its region file). */
  region: Region;
  /** Every deployment region: the global budget sums their spend. */
  allRegions: readonly Region[];
  /** The global budgets. */
  budgets: Budgets;
  costs: CostStore;
  now: () => number;
}

/** Spend is read at most this often per isolate for the budget check. */
const SPEND_CACHE_MS = 5_000;

type Totals = { calls: number; inputTokens: number; outputTokens: number; costUsd: number; analyses: number };
const empty = (): Totals => ({ calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, analyses: 0 });
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const rounded = <T extends Totals>(t: T) => ({ ...t, costUsd: round6(t.costUsd) });
function add(into: Totals, m: Totals): void {
  into.calls += m.calls;
  into.inputTokens += m.inputTokens;
  into.outputTokens += m.outputTokens;
  into.costUsd += m.costUsd;
  into.analyses += m.analyses;
}

/**
 * The AI budgets: whether this deployment may spend now (global and its region's, per day and month),
 * and the spend report behind `GET /v1/ops/costs`. Both read the cost counters in the global table.
 */
export function budgetKeeper(deps: BudgetDeps) {
  const regionIds = deps.allRegions.map((r) => r.id);
  /** Spend today and this month, globally (key "global") and per region id. */
  type Spend = Record<string, { day: number; month: number }>;
  let cache: { until: number; spent: Spend } | undefined;

  async function spend(): Promise<Spend> {
    if (cache && cache.until > deps.now()) return cache.spent;
    const today = new Date(deps.now()).toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    const totals = await deps.costs.totals([today, month], regionIds);
    const sum = (period: string, region?: string) =>
      totals.filter((t) => t.period === period && (!region || t.region === region)).reduce((s, t) => s + Object.values(t.models).reduce((a, m) => a + m.costUsd, 0), 0);
    const spent: Spend = { global: { day: sum(today), month: sum(month) } };
    for (const id of regionIds) spent[id] = { day: sum(today, id), month: sum(month, id) };
    cache = { until: deps.now() + SPEND_CACHE_MS, spent };
    return spent;
  }

  return {
    /** Forgets the cached spend (after this isolate spent something). */
    invalidate(): void {
      cache = undefined;
    },

    /** Whether any budget this deployment answers to is spent. */
    async over(): Promise<boolean> {
      const s = await spend();
      const r = deps.region.bedrock;
      const here = s[deps.region.id]!;
      return s.global!.day >= deps.budgets.dailyUsd || s.global!.month >= deps.budgets.monthlyUsd || here.day >= r.dailyBudgetUsd || here.month >= r.monthlyBudgetUsd;
    },

    /** Spend by day, model and region over [from, to] (days, inclusive), with every budget and what is spent. */
    async report(from: string, to: string) {
      const days: string[] = [];
      for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
      const rows = await deps.costs.totals(days, regionIds);
      const total = empty();
      const byDay = new Map<string, Totals>();
      const byModel = new Map<string, Totals>();
      const byRegion = new Map<string, Totals>();
      const fallbacks: Record<string, number> = {};
      for (const row of rows) {
        for (const [model, m] of Object.entries(row.models)) {
          add(total, m);
          for (const [map, k] of [[byDay, row.period], [byModel, model], [byRegion, row.region]] as const) {
            if (!map.has(k)) map.set(k, empty());
            add(map.get(k)!, m);
          }
        }
        for (const [reason, n] of Object.entries(row.fallbacks)) fallbacks[reason] = (fallbacks[reason] ?? 0) + n;
      }
      cache = undefined;
      const s = await spend();
      const budgetOf = (dailyUsd: number, monthlyUsd: number, spent: { day: number; month: number }) => ({
        dailyUsd,
        spentTodayUsd: round6(spent.day),
        monthlyUsd,
        spentThisMonthUsd: round6(spent.month),
      });
      return {
        from,
        to,
        currency: 'USD' as const,
        total: { ...rounded(total), costPerAnalysedCustomer: total.analyses === 0 ? null : round6(total.costUsd / total.analyses) },
        byDay: days.map((day) => ({ day, ...rounded(byDay.get(day) ?? empty()) })),
        byModel: [...byModel].map(([modelId, t]) => ({ modelId, ...rounded(t) })),
        byRegion: [...byRegion].map(([region, t]) => ({ region, ...rounded(t) })),
        fallbacks,
        budgets: Object.fromEntries([
          ['global', budgetOf(deps.budgets.dailyUsd, deps.budgets.monthlyUsd, s.global!)],
          ...deps.allRegions.map((r) => [r.id, budgetOf(r.bedrock.dailyBudgetUsd, r.bedrock.monthlyBudgetUsd, s[r.id]!)]),
        ]),
      };
    },
  };
}
