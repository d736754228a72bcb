import type { CustomerRepository } from '../customers/customers.repository.ts';
import { objectsToProfiling } from '../customers/customers.model.ts';
import type { Customer } from '../customers/customers.schemas.ts';
import { notFound, Problem } from '../http/problem.ts';
import { profilingObjected } from '../privacy/objection.ts';
import type { ProductRepository } from '../products/products.repository.ts';
import { netOfAdjustments } from '../purchases/purchases.adjustments.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { PurchaseRepository } from '../purchases/purchases.repository.ts';
import { MAX_CLOCK_SKEW_MS } from '../purchases/purchases.schemas.ts';
import type { Region } from '../regions/region.schema.ts';
import { dayOf } from '../shared/days.ts';
import { etagOf } from '../shared/etag.ts';
import { mapLimit } from '../shared/map-limit.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import { predictCustomer, type CustomerPrediction } from './model/customer.ts';
import { buildHistory, type CustomerHistory } from './model/history.ts';
import { defaultPopulationModel, type PopulationModel } from './model/population.ts';
import { fitJurisdiction } from './refit-fit.ts';
import type { ModelRepository, PredictionRepository, StoredPredictions } from './predictions.repository.ts';
import { eventsOf, HistorySource, type CatalogFacts } from './history-source.ts';
import type { TestAccountRule } from './test-accounts.ts';
import { toView } from './view.ts';
import type { RefitListener, RefitOutcome, RefitReport } from './refit-outcome.ts';
import type { Defer } from '../shared/defer.ts';

export type { RefitListener, RefitOutcome, RefitReport } from './refit-outcome.ts';

export interface PredictionServiceDeps {
  region: Region;
  purchases: PurchaseRepository;
  customers: Pick<CustomerRepository, 'get' | 'objectors'>;
  catalog: Pick<ProductRepository, 'many'>;
  predictions: PredictionRepository;
  models: ModelRepository;
  /** The storefront's serialized views, forgotten with the predictions they include. */
  views?: ViewCache;
  /** Which customers are test accounts (flagged, and kept out of the population fit). */
  testAccounts?: TestAccountRule;
  now: () => number;
}

/** Told about every customer whose predictions were just computed (segments assign, insights look for changes). */
export type ComputedListener = (customerId: string, history: CustomerHistory, prediction: CustomerPrediction, customer: Customer | undefined) => Promise<void>;

export type PredictionsRead = { stored: StoredPredictions; ageSeconds: number; stale: boolean };

export type CustomerSnapshot = { customerId: string; history: CustomerHistory; prediction: CustomerPrediction };

type CurrentModel = { model: PopulationModel; fittedAt?: string };

const MODEL_CACHE_MS = 5 * 60_000;
const READ_CACHE_MS = 60_000;

/**
 * Predictions are computed when purchases arrive and when the population is refitted, and stored; reads
 * are a cache lookup, then one GetItem. Everything is computed from the customer's stored lines, so
 * duplicates (stored once) and arrival order cannot change the result.
 */
export class PredictionService {
  private readonly reads: TtlCache<StoredPredictions>;
  private model: { value: CurrentModel; until: number } | undefined;
  private readonly listeners: ComputedListener[] = [];
  private readonly refitListeners: RefitListener[] = [];

  private readonly source: HistorySource;

  constructor(private readonly deps: PredictionServiceDeps) {
    this.reads = new TtlCache(READ_CACHE_MS, 10_000, deps.now, 'predictions');
    this.source = new HistorySource(deps);
  }

  /** Adds a listener told about every recomputed customer (best effort: its failure is logged). */
  onComputed(listener: ComputedListener): void {
    this.listeners.push(listener);
  }

  /** Adds a listener told, after each refit, what it predicted for every customer (best effort). */
  onRefitted(listener: RefitListener): void {
    this.refitListeners.push(listener);
  }

  /**
   * The stored predictions through the read cache: `ageSeconds` is how long ago they were read from the
   * store, and `stale` says the store could not answer and this is the last known answer.
   */
  async read(customerId: string): Promise<PredictionsRead | undefined> {
    const r = await readThrough(this.reads, customerId, () => this.deps.predictions.get(customerId), this.deps.now);
    return r && { stored: r.value, ageSeconds: r.ageSeconds, stale: r.stale };
  }

  /** As `read`, for a request: 404 `customers.notFound` or `predictions.notFound` when there are none. */
  async serve(customerId: string): Promise<PredictionsRead> {
    const found = await this.read(customerId);
    if (found) return found;
    const customer = await this.deps.customers.get(customerId);
    if (!customer) throw notFound('customer');
    if (objectsToProfiling(customer)) throw profilingObjected();
    throw new Problem(404, 'predictions.notFound', 'No predictions yet: the customer has no purchases');
  }

  /**
   * Recomputes and stores the predictions of these customers from their stored purchase lines. A refit
   * page (`refitPage`) also tells the refit listeners what it predicted; `defer` takes the listeners' work.
   */
  async recompute(customerIds: readonly string[], options: { notify?: boolean; fittedAt?: string; refitPage?: { page: number; pages: number }; defer?: Defer } = {}): Promise<number> {
    // A refit's page names the model it recomputes with: a model cached here from before the fit is read again.
    if (options.fittedAt && this.model?.value.fittedAt !== options.fittedAt) this.model = undefined;
    const m = await this.currentModel();
    const told: Extract<RefitOutcome, { kind: 'page' }>['customers'] = [];
    const done = await mapLimit([...new Set(customerIds)], 8, async (id) => {
      const customer = await this.deps.customers.get(id);
      if (customer && objectsToProfiling(customer)) {
        await this.profilingWithdrawn(id); // a stray one from before the objection goes too
        return 0;
      }
      const lines = await this.deps.purchases.allOf(id);
      if (lines.length === 0) return 0;
      if (netOfAdjustments(lines).length === 0) {
        // Everything the customer bought was cancelled or returned: no history, so no predictions.
        await this.deps.predictions.eraseOf(id);
        this.invalidate(id);
        return 1;
      }
      const testAccount = this.deps.testAccounts?.matches(id, customer?.contact?.email) ?? false;
      const { stored, history, prediction } = await this.compute(id, lines, await this.source.catalogFacts(lines), m, testAccount);
      await this.deps.predictions.putIfNotOlder(stored);
      this.invalidate(id);
      if (options.refitPage) told.push({ customerId: id, purchaseDays: history.days.map((d) => d.day), prediction });
      if (options.notify === false) return 1;
      const listened = this.tell(id, history, prediction, customer);
      if (options.defer) options.defer(listened);
      else await listened;
      return 1;
    });
    if (options.refitPage) await this.tellRefit({ kind: 'page', asOfDay: this.asOfDay(), modelVersion: m.model.version, ...options.refitPage, customers: told });
    return done.reduce<number>((s, v) => s + v, 0);
  }

  /** The listeners, in order (the entry uses the segment just assigned); best effort: a failure is logged. */
  private async tell(...args: Parameters<ComputedListener>): Promise<void> {
    const failed = (err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'after-recompute listener failed', error: String(err) }));
    for (const listener of this.listeners) await listener(...args).catch(failed);
  }

  /** Every customer's history and predictions under the current model, from a scan (nothing is stored). */
  async snapshot(): Promise<CustomerSnapshot[]> {
    const m = await this.currentModel();
    const { byCustomer, catalog } = await this.source.all();
    return [...byCustomer].map(([customerId, lines]) => {
      const history = buildHistory(eventsOf(netOfAdjustments(lines), catalog));
      return { customerId, history, prediction: predictCustomer(history, m.model, this.asOfDay()) };
    });
  }

  /**
   * The heavy step of the refit job (decision 118): the jurisdiction's population model, fitted on every
   * customer's history, stored with its fit date. The job's pages then recompute every customer with it.
   */
  async fitModel(): Promise<RefitReport> {
    const started = this.deps.now();
    const { jurisdiction } = this.deps.region;
    const { model, fittedAt, report } = await fitJurisdiction({ ...this.deps, jurisdiction, source: this.source, asOfDay: this.asOfDay() });
    await this.deps.models.put(jurisdiction, model, fittedAt);
    this.model = { value: { model, fittedAt }, until: this.deps.now() + MODEL_CACHE_MS };
    return { ...report, durationMs: this.deps.now() - started };
  }

  /** Once the refit job's pages are done: the refit listeners (production accuracy) score what the pages told them. */
  async tellRefitted(pages: number): Promise<void> {
    await this.tellRefit({ kind: 'finished', asOfDay: this.asOfDay(), modelVersion: (await this.currentModel()).model.version, pages });
  }

  private async tellRefit(outcome: RefitOutcome): Promise<void> {
    const logged = (err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'refit listener failed', error: String(err) }));
    for (const listener of this.refitListeners) await listener(outcome).catch(logged);
  }

  /** These customers' histories and predictions under the current model, read one by one (a job page; nothing is stored). */
  async snapshotsOf(customerIds: readonly string[]): Promise<CustomerSnapshot[]> {
    const m = await this.currentModel();
    const found = await mapLimit([...customerIds], 8, async (id) => {
      const lines = netOfAdjustments(await this.deps.purchases.allOf(id));
      if (lines.length === 0) return undefined;
      const history = buildHistory(eventsOf(lines, await this.source.catalogFacts(lines)));
      return { customerId: id, history, prediction: predictCustomer(history, m.model, this.asOfDay()) };
    });
    return found.filter((s): s is CustomerSnapshot => s !== undefined);
  }

  /** Forgets a customer's cached predictions in this isolate. */
  forget(customerId: string): void {
    this.invalidate(customerId);
  }

  /** The customer's predictions changed: this isolate's read cache and serialized views forget them. */
  private invalidate(customerId: string): void {
    this.reads.delete(customerId);
    this.deps.views?.forget(customerId);
  }

  /** An objection to profiling: the customer's predictions go, and are not made again until consent. */
  async profilingWithdrawn(customerId: string): Promise<void> {
    await this.deps.predictions.eraseOf(customerId);
    this.invalidate(customerId);
  }

  async profilingGranted(customerId: string): Promise<void> {
    await this.recompute([customerId]);
  }

  /** Predictions are "as of the end of today": today's purchases count, and those a little ahead of our clock. */
  private asOfDay(): number {
    return dayOf(this.deps.now() + MAX_CLOCK_SKEW_MS) + 1;
  }

  private async currentModel(): Promise<CurrentModel> {
    if (this.model && this.model.until > this.deps.now()) return this.model.value;
    const stored = await this.deps.models.get(this.deps.region.jurisdiction);
    // A model stored by an older version may lack newer fields: the defaults fill them.
    const defaults = defaultPopulationModel(this.asOfDay());
    const value = stored ? { ...stored, model: { ...defaults, ...stored.model } } : { model: defaults };
    this.model = { value, until: this.deps.now() + MODEL_CACHE_MS };
    return value;
  }

  private async compute(customerId: string, lines: readonly PurchaseLine[], catalog: CatalogFacts, m: CurrentModel, testAccount: boolean) {
    const computedAt = new Date(this.deps.now()).toISOString();
    // The history is what stands after returns and cancellations; lineCount counts every stored item
    // (it only grows, which is what orders two computations of one customer).
    const net = netOfAdjustments(lines);
    const history = buildHistory(eventsOf(net, catalog));
    const prediction = predictCustomer(history, m.model, this.asOfDay(), undefined, { testAccount });
    const view = toView(customerId, prediction, m, net.length, computedAt);
    const body = JSON.stringify(view);
    const stored: StoredPredictions = { customerId, computedAt, lineCount: lines.length, lastPurchase: view.data.lastPurchase, etag: await etagOf(body), body };
    return { stored, history, prediction };
  }
}
