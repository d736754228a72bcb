import type { CustomerRepository } from '../customers/customers.repository.ts';
import { notFound, Problem } from '../http/problem.ts';
import { jurisdictionOfCustomerId } from '../residency/jurisdiction.ts';
import { readThrough, type CachedRead } from '../shared/read-through.ts';
import { REVALIDATE_WINDOW_MS, TtlCache } from '../shared/ttl-cache.ts';
import { runExperiment, type ExperimentSpec } from './model/assignment.ts';
import type { Experiment, AssignmentView } from './experiments.schemas.ts';
import type { ExperimentStore } from './experiments.repository.ts';
import type { ExposureRepository } from './exposures.repository.ts';

export interface LookupDeps {
  store: Pick<ExperimentStore, 'list' | 'get'>;
  exposures: Pick<ExposureRepository, 'recordFirst' | 'addCrossed'>;
  customers: Pick<CustomerRepository, 'get'>;
  /** The customer's current segment id, for segment targeting. */
  segmentOf(customerId: string): Promise<string | undefined>;
  now: () => number;
}

/** Definitions are read once per isolate per 30 s: a change reaches every storefront lookup within that. */
export const DEFINITIONS_TTL_MS = 30_000;
const FACTS_TTL_MS = 60_000;
const MEMO_TTL_MS = 6 * 60 * 60_000;

const encoder = new TextEncoder();

/** An exposure as the lookup records it. */
export type Exposure = { customerId: string; experimentKey: string; phase: number; variationId: number; variationKey: string; exposedAt: string };

export interface LookupOptions {
  /** `device:<id>` buckets by the device instead of the customer. */
  unit?: string;
  /** False looks without recording an exposure. */
  expose?: boolean;
}

interface Facts {
  country: string | null;
}

/**
 * Storefront lookups: served from isolate memory on a warm path (the definitions, the customer's targeting
 * facts, and whether the exposure is already recorded), so a repeated lookup makes no store call at all.
 */
export class ExperimentLookup {
  private readonly definitions: TtlCache<Experiment[]>;
  private readonly facts: TtlCache<Facts>;
  private readonly segments: TtlCache<string | null>;
  /** Variations whose exposure is recorded, per customer, experiment and phase. */
  private readonly recorded: TtlCache<Set<number>>;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Keys missing from the cached list, read one by one (a new experiment is seen at once; misses are remembered). */
  private readonly single: TtlCache<Experiment | null>;
  /** Warm answers as bytes, each valid while the cache entries it was computed from are the current ones. */
  private readonly answers: TtlCache<{ body: Uint8Array<ArrayBuffer>; from: readonly unknown[] }>;
  private readonly exposureListeners: ((e: Exposure) => Promise<void>)[] = [];

  constructor(private readonly deps: LookupDeps) {
    this.definitions = new TtlCache(DEFINITIONS_TTL_MS, 1, deps.now, 'experiment-definitions');
    this.facts = new TtlCache(FACTS_TTL_MS, 10_000, deps.now, 'experiment-facts');
    this.segments = new TtlCache(FACTS_TTL_MS, 10_000, deps.now, 'experiment-segments');
    this.recorded = new TtlCache(MEMO_TTL_MS, 50_000, deps.now);
    this.single = new TtlCache(DEFINITIONS_TTL_MS, 1000, deps.now, 'experiment-definitions');
    this.answers = new TtlCache(MEMO_TTL_MS, 50_000, deps.now);
  }

  /**
   * Hears of each exposure this isolate records (or finds recorded, before it remembers it): a listener
   * that throws fails the lookup, and the retry tells it again (consumers dedupe by the exposure's key).
   */
  onExposure(listener: (e: Exposure) => Promise<void>): void {
    this.exposureListeners.push(listener);
  }

  /** Every definition, from the isolate cache (stale for up to 10 minutes if the global store is down). */
  async all(): Promise<CachedRead<Experiment[]>> {
    return (await readThrough(this.definitions, 'all', () => this.deps.store.list(), this.deps.now))!;
  }

  /** The customer changed or was erased: their targeting facts are read again (and no warm lookup serves them). */
  forget(customerId: string): void {
    this.facts.delete(customerId);
    this.segments.delete(customerId);
  }

  /** A definition changed here: the next lookup reads them again. */
  invalidate(key: string): void {
    this.definitions.delete('all');
    this.single.delete(key);
  }

  async one(customerId: string, key: string, options: LookupOptions = {}): Promise<{ view: AssignmentView; read: CachedRead<Experiment[]> }> {
    const read = await this.all();
    const def = read.value.find((e) => e.key === key) ?? (await this.missing(key));
    if (!def) throw new Problem(404, 'experiments.notFound', `No experiment "${key}"`);
    return { view: await this.evaluate(customerId, def, options), read };
  }

  private async missing(key: string): Promise<Experiment | undefined> {
    const read = await readThrough(this.single, key, async () => (await this.deps.store.get(key)) ?? null, this.deps.now);
    return read?.value ?? undefined;
  }

  /** Every running experiment for the customer, in one answer. */
  async running(customerId: string, options: LookupOptions = {}): Promise<{ views: AssignmentView[]; read: CachedRead<Experiment[]> }> {
    const read = await this.all();
    const running = read.value.filter((e) => e.status === 'running');
    if (running.length === 0) await this.factsOf(customerId);
    return { views: await Promise.all(running.map((def) => this.evaluate(customerId, def, options))), read };
  }

  /**
   * The lookup answered from this isolate's memory alone (definitions, targeting facts and the exposure
   * memo all fresh), synchronously, for the storefront fast path; undefined when anything must be read or
   * an exposure written (the full path does that and fills the memory).
   */
  warm(customerId: string, key: string | undefined, options: LookupOptions): { views: AssignmentView[]; ageSeconds: number } | undefined {
    const cached = this.definitions.getServable('all', REVALIDATE_WINDOW_MS);
    const defs = cached?.value;
    const facts = this.facts.getServable(customerId, REVALIDATE_WINDOW_MS)?.value;
    if (!cached || !defs || !facts) return undefined;
    const chosen = key === undefined ? defs.filter((e) => e.status === 'running') : defs.filter((e) => e.key === key);
    if (key !== undefined && chosen.length === 0) return undefined;
    const views: AssignmentView[] = [];
    for (const def of chosen) {
      const t = def.targeting;
      const segment = t?.segmentIds ? this.segments.getServable(customerId, REVALIDATE_WINDOW_MS) : undefined;
      if (t?.segmentIds && !segment) return undefined;
      const active = !t || ((!t.jurisdictions || t.jurisdictions.includes(jurisdictionOfCustomerId(customerId)!)) && (!t.countries || (facts.country !== null && t.countries.includes(facts.country))) && (!t.segmentIds || (segment!.value !== null && t.segmentIds.includes(segment!.value))));
      const { view, exposes } = this.assign(customerId, def, options, active);
      if (exposes && !this.recorded.get(`${customerId}#${def.key}#${def.phase}`)?.value.has(view.variationId)) return undefined;
      views.push(view);
    }
    return { views, ageSeconds: Math.floor((this.deps.now() - cached.storedAt) / 1000) };
  }

  /**
   * The warm lookup's answer body, serialized once: served again while the definitions, the customer's
   * facts and segment are the same cache entries (any change or expiry makes new ones). Its exposures are
   * recorded (the warm lookup answers only then), so serving the bytes skips no write.
   */
  warmAnswer(customerId: string, key: string | undefined, options: LookupOptions): { body: Uint8Array<ArrayBuffer>; ageSeconds: number; revalidate: boolean } | undefined {
    const defs = this.definitions.getServable('all', REVALIDATE_WINDOW_MS);
    const facts = this.facts.getServable(customerId, REVALIDATE_WINDOW_MS);
    if (!defs || !facts) return undefined;
    const from = [defs, facts, this.segments.getServable(customerId, REVALIDATE_WINDOW_MS)] as const;
    const memoKey = `${customerId}\u0000${key ?? ''}\u0000${options.unit ?? ''}\u0000${options.expose !== false}`;
    const memo = this.answers.get(memoKey)?.value;
    const ageSeconds = Math.floor((this.deps.now() - defs.storedAt) / 1000);
    let body = memo && memo.from.every((entry, i) => entry === from[i]) ? memo.body : undefined;
    if (body === undefined) {
      const warm = this.warm(customerId, key, options);
      if (!warm) return undefined;
      body = encoder.encode(JSON.stringify(key === undefined ? { customerId, experiments: warm.views } : warm.views[0]));
      this.answers.set(memoKey, { body, from });
    }
    // Past a TTL: served as it is while this one request's lookup through the app reads them again.
    const revalidate = this.definitions.claimRefresh('all') || this.facts.claimRefresh(customerId) || this.segments.claimRefresh(customerId);
    return { body, ageSeconds, revalidate };
  }

  async evaluate(customerId: string, def: Experiment, options: LookupOptions): Promise<AssignmentView> {
    const facts = await this.factsOf(customerId);
    const { view, exposes, hashValue } = this.assign(customerId, def, options, await this.targeted(customerId, def, facts));
    if (exposes) await this.expose(customerId, def, view.variationId, view.key, view.hashAttribute as 'id' | 'deviceId', hashValue);
    return view;
  }

  /** GrowthBook's evaluation of one experiment for one unit (pure), and whether it makes an exposure. */
  private assign(customerId: string, def: Experiment, options: LookupOptions, active: boolean) {
    const device = options.unit?.startsWith('device:') ? options.unit.slice('device:'.length) : undefined;
    const hashAttribute = device !== undefined ? 'deviceId' : 'id';
    const hashValue = device ?? customerId;
    const forcedKey = def.forcedVariations?.[hashValue];
    const forcedIndex = forcedKey === undefined ? -1 : def.variations.findIndex((v) => v.key === forcedKey);
    const spec: ExperimentSpec<unknown> = {
      key: def.key,
      variations: def.variations.map((v) => v.value ?? null),
      meta: def.variations.map((v) => ({ key: v.key, ...(v.name ? { name: v.name } : {}) })),
      weights: def.weights,
      coverage: def.coverage,
      seed: def.seed,
      hashVersion: def.hashVersion,
      hashAttribute,
      ...(def.namespace ? { namespace: [def.namespace.id, def.namespace.range[0], def.namespace.range[1]] as const } : {}),
      status: def.status,
      active,
    };
    const result = runExperiment(spec, { attributes: { [hashAttribute]: hashValue }, ...(forcedIndex >= 0 ? { forcedVariations: { [def.key]: forcedIndex } } : {}) });
    const exposes = result.inExperiment && result.hashUsed && def.status === 'running' && options.expose !== false;
    const view: AssignmentView = { experimentKey: def.key, phase: def.phase, ...result, hashAttribute };
    return { view, exposes, hashValue };
  }

  private async targeted(customerId: string, def: Experiment, facts: Facts): Promise<boolean> {
    const t = def.targeting;
    if (!t) return true;
    if (t.jurisdictions && !t.jurisdictions.includes(jurisdictionOfCustomerId(customerId)!)) return false;
    if (t.countries && (facts.country === null || !t.countries.includes(facts.country))) return false;
    if (t.segmentIds) {
      const segment = await this.segmentOf(customerId);
      if (segment === null || !t.segmentIds.includes(segment)) return false;
    }
    return true;
  }

  /** The customer's country (and that the customer exists), cached per isolate. */
  private async factsOf(customerId: string): Promise<Facts> {
    const read = await readThrough(this.facts, customerId, async () => {
      const c = await this.deps.customers.get(customerId);
      return c ? { country: c.country ?? null } : undefined;
    }, this.deps.now);
    if (!read) throw notFound('customer');
    return read.value;
  }

  private async segmentOf(customerId: string): Promise<string | null> {
    const read = await readThrough(this.segments, customerId, async () => (await this.deps.segmentOf(customerId)) ?? null, this.deps.now);
    return read?.value ?? null;
  }

  /**
   * Records the first exposure of (customer, experiment, phase): one conditional put on a deterministic key,
   * skipped when this isolate knows it is recorded, and shared by concurrent lookups of the same unit. A
   * later lookup that shows another variation (another device) marks the unit as crossed.
   */
  private expose(customerId: string, def: Experiment, variationId: number, variationKey: string, hashAttribute: 'id' | 'deviceId', hashValue: string): Promise<void> {
    const memoKey = `${customerId}#${def.key}#${def.phase}`;
    if (this.recorded.get(memoKey)?.value.has(variationId)) return Promise.resolve();
    const flightKey = `${memoKey}#${variationId}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) return pending;
    const write = (async () => {
      const exposure = { kind: 'exposure' as const, customerId, experimentKey: def.key, phase: def.phase, variationId, variationKey, hashAttribute, hashValue, exposedAt: new Date(this.deps.now()).toISOString() };
      const first = await this.deps.exposures.recordFirst(exposure);
      const seen = new Set<number>(first.created ? [variationId] : [first.stored?.variationId ?? variationId, ...(first.stored?.crossed ?? [])]);
      if (!seen.has(variationId)) {
        await this.deps.exposures.addCrossed(customerId, def.key, def.phase, variationId);
        seen.add(variationId);
      }
      for (const listener of this.exposureListeners) await listener(exposure);
      this.recorded.set(memoKey, seen);
    })().finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, write);
    return write;
  }
}
