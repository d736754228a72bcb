import type { CustomerRepository } from '../customers/customers.repository.ts';
import { Problem } from '../http/problem.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { Region } from '../regions/region.schema.ts';
import { attributePurchases, withdrawConversions, type CancellationLine } from './conversions.ts';
import { nextDefinition } from './definitions.ts';
import type { Experiment, ExperimentInput, JurisdictionStats, Results } from './experiments.schemas.ts';
import type { ExperimentStore } from './experiments.repository.ts';
import type { ExposureRepository } from './exposures.repository.ts';
import { ExperimentLookup, type LookupOptions } from './lookup.ts';
import type { EngineName } from './model/results.ts';
import { ExperimentResults, type PeerStats } from './results.ts';

export interface ExperimentServiceDeps {
  region: Region;
  store: ExperimentStore;
  exposures: ExposureRepository;
  customers: Pick<CustomerRepository, 'get'>;
  segmentOf(customerId: string): Promise<string | undefined>;
  /** Whether a line of the customer's is cancelled (see attributePurchases). */
  cancelledOf?(customerId: string): Promise<(orderId: string, lineId: string) => boolean>;
  /** Called after a definition is stored (views that embed assignments forget them). */
  definitionsChanged?: () => void;
  now: () => number;
}

/** What a surface Cadence serves (recommendations) needs to know to serve a customer's variant. */
export interface SurfaceVariant {
  experimentKey: string;
  phase: number;
  variationKey: string;
  value: unknown;
}

export type SurfaceName = 'recommendations';

/**
 * A/B experiments: definitions (global), storefront lookups with exposures (personal, in the customer's
 * jurisdiction), conversions attributed from purchases, and results combined from both jurisdictions'
 * sufficient statistics.
 */
export class ExperimentService {
  readonly lookup: ExperimentLookup;
  private readonly analysis: ExperimentResults;

  constructor(private readonly deps: ExperimentServiceDeps) {
    this.lookup = new ExperimentLookup({ store: deps.store, exposures: deps.exposures, customers: deps.customers, segmentOf: deps.segmentOf, now: deps.now });
    this.analysis = new ExperimentResults({ jurisdiction: deps.region.jurisdiction, exposures: deps.exposures });
  }

  /** Creates or changes a definition; `created` says which. Refusals change nothing. */
  async put(key: string, input: ExperimentInput): Promise<{ experiment: Experiment; created: boolean }> {
    const existing = await this.deps.store.get(key);
    const next = nextDefinition(key, input, existing, new Date(this.deps.now()).toISOString());
    const claimed = next.status === 'running' && next.surface ? next.surface : undefined;
    if (claimed) {
      const holder = await this.deps.store.claimSurface(claimed, key);
      if (holder) throw new Problem(409, 'experiments.surfaceTaken', `Experiment "${holder}" is already running on ${claimed}; stop it first`, { experimentKey: holder });
    }
    if (!(await this.deps.store.put(next, existing?.version))) {
      // Nothing was stored: give back a claim this request took (one the stored definition holds stays).
      const heldBefore = existing?.status === 'running' && existing.surface === claimed;
      if (claimed && !heldBefore) await this.deps.store.releaseSurface(claimed, key);
      throw new Problem(409, 'experiments.concurrentUpdate', 'The experiment changed while this request was applied; read it and retry');
    }
    // Released only after the definition says it no longer runs there, so two never run on one surface.
    if (existing?.surface && existing.surface !== claimed) await this.deps.store.releaseSurface(existing.surface, key);
    this.lookup.invalidate(key);
    this.deps.definitionsChanged?.();
    return { experiment: next, created: existing === undefined };
  }

  /** The stored definition (not the lookup cache: an operator sees what is stored). */
  async get(key: string): Promise<Experiment> {
    const def = await this.deps.store.get(key);
    if (!def) throw new Problem(404, 'experiments.notFound', `No experiment "${key}"`);
    return def;
  }

  list(): Promise<Experiment[]> {
    return this.deps.store.list();
  }

  forget(customerId: string): void {
    this.lookup.forget(customerId);
  }

  /** A lookup from isolate memory alone (the storefront fast path), or undefined. */
  warmAnswer(customerId: string, key: string | undefined, options: LookupOptions) {
    return this.lookup.warmAnswer(customerId, key, options);
  }

  assignment(customerId: string, key: string, options: LookupOptions) {
    return this.lookup.one(customerId, key, options);
  }

  assignments(customerId: string, options: LookupOptions) {
    return this.lookup.running(customerId, options);
  }

  /**
   * The seam for the surfaces Cadence serves: the running experiment on `surface` (at most one), the
   * customer's variation in it, with its exposure recorded unless `expose` is false. Undefined when nothing
   * runs there or the customer is not in the experiment (outside coverage or targeting): serve the default.
   */
  async variantFor(customerId: string, surface: SurfaceName, options: { expose?: boolean } = {}): Promise<SurfaceVariant | undefined> {
    const { value: all } = await this.lookup.all();
    const def = all.find((e) => e.status === 'running' && e.surface === surface);
    if (!def) return undefined;
    const r = await this.lookup.evaluate(customerId, def, { expose: options.expose ?? true });
    return r.inExperiment ? { experimentKey: def.key, phase: def.phase, variationKey: r.key, value: r.value } : undefined;
  }

  /** Attributes stored purchase lines to the customers' exposures (a purchases listener). */
  async afterPurchases(lines: readonly PurchaseLine[]): Promise<number> {
    const { cancelledOf } = this.deps;
    return attributePurchases({ exposures: this.deps.exposures, definitions: async () => (await this.lookup.all()).value, ...(cancelledOf ? { cancelledOf } : {}) }, lines);
  }

  /** Cancelled orders' conversions leave the results (idempotent). */
  afterCancellations(cancellations: readonly CancellationLine[]): Promise<number> {
    return withdrawConversions(this.deps.exposures, cancellations);
  }

  async stats(key: string, phase?: number): Promise<JurisdictionStats> {
    return this.analysis.localStats(await this.get(key), phase);
  }

  async results(key: string, options: { engine: EngineName; phase?: number }, peer: PeerStats): Promise<Results> {
    return this.analysis.results(await this.get(key), options, peer);
  }
}
