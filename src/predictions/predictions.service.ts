import type { ProductRepository } from '../products/products.repository.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import type { Region } from '../regions/region.schema.ts';
import { MAX_CLOCK_SKEW_MS } from '../purchases/purchases.schemas.ts';
import { dayOf } from '../shared/days.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { predictCustomer, type CustomerPrediction } from './model/customer.ts';
import { buildHistory, type CustomerHistory, type PurchaseEvent } from './model/history.ts';
import { defaultPopulationModel, fitPopulation, type PopulationModel } from './model/population.ts';
import type { ModelRepository, PredictionRepository, StoredPredictions } from './predictions.repository.ts';
import { toView } from './view.ts';

export interface PredictionServiceDeps {
  region: Region;
  purchases: PurchaseRepository;
  catalog: ProductRepository;
  predictions: PredictionRepository;
  models: ModelRepository;
  now: () => number;
  /** Told about every customer whose predictions were just computed (segments assign them). */
  onComputed?: (customerId: string, history: CustomerHistory, prediction: CustomerPrediction) => Promise<void>;
}

export interface RefitReport {
  jurisdiction: string;
  customers: number;
  purchaseLines: number;
  fittedAt: string;
  bgnbd: PopulationModel['bgnbd'];
  productPriors: number;
  durationMs: number;
}

const MODEL_CACHE_MS = 5 * 60_000;
const READ_CACHE_MS = 60_000;

export type PredictionService = ReturnType<typeof predictionService>;

/**
 * Predictions are computed when purchases arrive and when the population is refitted, and stored; reads
 * are a cache lookup, then one GetItem. Everything is computed from the customer's stored lines, so
 * duplicates (stored once) and arrival order cannot change the result.
 */
export function predictionService(deps: PredictionServiceDeps) {
  const jurisdiction = deps.region.jurisdiction;
  const reads = new TtlCache<StoredPredictions>(READ_CACHE_MS, 10_000, deps.now);
  let model: { value: { model: PopulationModel; fittedAt?: string }; until: number } | undefined;

  /** Predictions are "as of the end of today": today's purchases count, and those a little ahead of our clock. */
  const asOfDay = () => dayOf(deps.now() + MAX_CLOCK_SKEW_MS) + 1;

  async function currentModel() {
    if (model && model.until > deps.now()) return model.value;
    const stored = await deps.models.get(jurisdiction);
    // A model stored by an older version may lack newer fields: the defaults fill them.
    const value = stored ? { ...stored, model: { ...defaultPopulationModel(asOfDay()), ...stored.model } } : { model: defaultPopulationModel(asOfDay()) };
    model = { value, until: deps.now() + MODEL_CACHE_MS };
    return value;
  }

  type CatalogFacts = Map<string, { category: string; consumable: boolean }>;

  async function catalogFacts(lines: readonly PurchaseLine[]): Promise<CatalogFacts> {
    const products = await deps.catalog.many(lines.map((l) => l.productId));
    return new Map([...products].map(([id, p]) => [id, { category: p.category, consumable: p.consumable }]));
  }

  // Products missing from the catalog are treated as consumables without a category.
  const events = (lines: readonly PurchaseLine[], catalog: CatalogFacts): PurchaseEvent[] =>
    lines.map((l) => {
      const facts = catalog.get(l.productId);
      return { day: dayOf(l.purchasedAt), productId: l.productId, quantity: l.quantity, amount: l.quantity * l.unitPrice, ...(facts ? { category: facts.category, consumable: facts.consumable } : {}) };
    });

  async function compute(customerId: string, lines: readonly PurchaseLine[], categories: CatalogFacts, m: { model: PopulationModel; fittedAt?: string }) {
    const computedAt = new Date(deps.now()).toISOString();
    const history = buildHistory(events(lines, categories));
    const prediction = predictCustomer(history, m.model, asOfDay());
    const view = toView(customerId, prediction, m, lines.length, computedAt);
    const stored: StoredPredictions = { customerId, computedAt, lineCount: lines.length, etag: await etagOf(view), view };
    return { stored, history, prediction };
  }

  /** Every customer of the jurisdiction with their stored lines (a scan of the purchases table). */
  async function loadAll() {
    const byCustomer = new Map<string, PurchaseLine[]>();
    let count = 0;
    for await (const page of deps.purchases.scan()) {
      for (const line of page) {
        const list = byCustomer.get(line.customerId);
        if (list) list.push(line);
        else byCustomer.set(line.customerId, [line]);
        count++;
      }
    }
    const catalog = await catalogFacts([...byCustomer.values()].flat());
    return { byCustomer, catalog, count };
  }

  return {
    /**
     * Every customer's history and predictions under the current model, computed from a scan (for
     * population jobs such as segmentation; nothing is stored).
     */
    async snapshot(): Promise<{ customerId: string; history: CustomerHistory; prediction: CustomerPrediction }[]> {
      const m = await currentModel();
      const { byCustomer, catalog } = await loadAll();
      const out = [];
      for (const [customerId, lines] of byCustomer) {
        const history = buildHistory(events(lines, catalog));
        out.push({ customerId, history, prediction: predictCustomer(history, m.model, asOfDay()) });
      }
      return out;
    },

    /** Recomputes and stores the predictions of these customers from their stored purchase lines. */
    async recompute(customerIds: readonly string[]): Promise<number> {
      const m = await currentModel();
      const done = await mapLimit([...new Set(customerIds)], 8, async (id) => {
        const lines = await deps.purchases.allOf(id);
        if (lines.length === 0) return 0;
        const { stored, history, prediction } = await compute(id, lines, await catalogFacts(lines), m);
        await deps.predictions.putIfNotOlder(stored);
        reads.delete(id);
        // Best effort: a listener's failure (segment assignment) must not fail the recompute.
        await deps.onComputed?.(id, history, prediction).catch((err: unknown) => {
          console.error(JSON.stringify({ level: 'error', msg: 'after-recompute hook failed', error: String(err) }));
        });
        return 1;
      });
      return done.reduce<number>((s, v) => s + v, 0);
    },

    /** The stored predictions, through the read cache; `age` is how long they have been in this cache. */
    async read(customerId: string): Promise<{ stored: StoredPredictions; ageSeconds: number } | undefined> {
      const hit = reads.get(customerId);
      if (hit) return { stored: hit.value, ageSeconds: Math.floor((deps.now() - hit.storedAt) / 1000) };
      const generation = reads.mark();
      const stored = await deps.predictions.get(customerId);
      if (!stored) return undefined;
      reads.set(customerId, stored, generation);
      return { stored, ageSeconds: 0 };
    },

    /**
     * Refits the jurisdiction's population model on every customer's history, stores it with its fit date,
     * and recomputes every customer's predictions with it (the parameters changed, so all of them did).
     */
    async refit(): Promise<RefitReport> {
      const started = deps.now();
      const { byCustomer, catalog: categories, count } = await loadAll();
      const histories = [...byCustomer.values()].map((lines) => buildHistory(events(lines, categories)));
      const fittedAt = new Date(deps.now()).toISOString();
      const fitted = histories.length > 0 ? fitPopulation(histories, asOfDay()) : defaultPopulationModel(asOfDay());
      const m = { model: fitted, fittedAt };
      // Everything is computed before anything is stored: a model that fails on some customer is not kept.
      const computed: StoredPredictions[] = [];
      for (const [id, lines] of byCustomer) computed.push((await compute(id, lines, categories, m)).stored);
      await deps.models.put(jurisdiction, fitted, fittedAt);
      model = { value: m, until: deps.now() + MODEL_CACHE_MS };
      // One conditional put per customer: an ingest that landed while the refit ran keeps its newer result.
      await mapLimit(computed, 16, async (stored) => {
        await deps.predictions.putIfNotOlder(stored);
        reads.delete(stored.customerId);
      });
      return {
        jurisdiction,
        customers: byCustomer.size,
        purchaseLines: count,
        fittedAt,
        bgnbd: fitted.bgnbd,
        productPriors: Object.keys(fitted.productPriors).length,
        durationMs: deps.now() - started,
      };
    },
  };
}

async function etagOf(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(value)));
  return `"${[...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`;
}
