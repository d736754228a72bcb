import type { CustomerRepository } from '../customers/customers.repository.ts';
import { objectsToProfiling } from '../customers/customers.model.ts';
import { notFound, Problem } from '../http/problem.ts';
import { profilingObjected } from '../privacy/objection.ts';
import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { CustomerHistory } from '../predictions/model/history.ts';
import type { CustomerSnapshot } from '../predictions/predictions.service.ts';
import type { Region } from '../regions/region.schema.ts';
import { readThrough } from '../shared/read-through.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { ViewCache } from '../storefront/view-cache.ts';
import type { ClusteringOptions } from './model/clustering.ts';
import { customerFeatures } from './model/features.ts';
import { assignOne } from './model/run.ts';
import { readingValues, type AiReadings } from './model/readings.ts';
import type { Assignment, AssignmentRepository, SegmentDefinition, SegmentStore } from './segments.repository.ts';
import { SegmentRuns } from './runs.ts';
import type { SegmentRun } from './segments.schemas.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Segment } from './model/run.ts';
import type { SegmentNames } from './segments.repository.ts';
import { SegmentNaming, type NamingModel } from './names.ts';

export interface SegmentServiceDeps {
  region: Region;
  /** Every customer's history and predictions (the predictions service's snapshot). */
  snapshot(): Promise<CustomerSnapshot[]>;
  customers: Pick<CustomerRepository, 'get'>;
  assignments: AssignmentRepository;
  store: SegmentStore;
  /** The storefront's serialized views, forgotten with the assignment they include. */
  views?: ViewCache;
  /**
   * With Bedrock configured: the model that proposes segment names (one forced-tool call per new or changed
   * segment), what a call cost is charged to, and the queue that takes naming off the run's path.
   */
  naming?: NamingModel & { queue: Pick<JobQueue, 'send'> };
  /** The customers' AI readings (their model analyses); unset: segments use no AI reading. */
  readings?(customerIds: readonly string[]): Promise<Map<string, AiReadings>>;
  now: () => number;
}

const CACHE_MS = 60_000;

/**
 * Segmentation of one jurisdiction, in its region, on its own customers. A run stores its definition under
 * its own id first, then the assignments (which name the run), then makes itself current: an assignment is
 * always read with the definition it was made for, and a run that fails part way leaves the current
 * segments as they were.
 */
export class SegmentService {
  private readonly currentCache: TtlCache<SegmentDefinition | null>;
  private readonly definitions: TtlCache<SegmentDefinition>;
  private readonly reads: TtlCache<Assignment>;

  constructor(private readonly deps: SegmentServiceDeps) {
    this.currentCache = new TtlCache(CACHE_MS, 1, deps.now);
    this.definitions = new TtlCache(5 * CACHE_MS, 50, deps.now, 'segment-definitions');
    this.reads = new TtlCache(CACHE_MS, 10_000, deps.now, 'segments');
    this.naming = new SegmentNaming({ region: deps.region, store: deps.store, current: () => this.current(true), ...(deps.naming ? { model: deps.naming } : {}), now: deps.now });
    this.runs = new SegmentRuns({
      region: deps.region,
      snapshot: deps.snapshot,
      assignments: deps.assignments,
      store: deps.store,
      ...(deps.readings ? { readings: deps.readings } : {}),
      ...(deps.naming ? { namingQueue: deps.naming.queue } : {}),
      current: () => this.current(true),
      madeCurrent: (def) => {
        this.currentCache.set('current', def);
        this.definitions.set(def.runId, def);
        // Every cached read of this isolate may name the previous run.
        this.reads.clear();
        this.deps.views?.forgetView('segment');
      },
      invalidate: (id) => this.invalidate(id),
      now: deps.now,
    });
  }

  /** Segment runs as tracked jobs (runs.ts, decision 122). */
  readonly runs: SegmentRuns;

  /** Names: operator renames, model proposals, the statistical fallback (names.ts). */
  readonly naming: SegmentNaming;

  names = (fresh = false) => this.naming.names(fresh);
  named = (segment: Segment, names: SegmentNames) => this.naming.named(segment, names);
  rename = (segmentId: string, body: { name: string; description?: string }) => this.naming.rename(segmentId, body);
  nameSegments = (runId: string) => this.naming.nameSegments(runId);

  private iso = () => new Date(this.deps.now()).toISOString();

  async current(fresh = false): Promise<SegmentDefinition | undefined> {
    const hit = fresh ? undefined : this.currentCache.get('current');
    if (hit) return hit.value ?? undefined;
    const def = await this.deps.store.current(this.deps.region.jurisdiction);
    this.currentCache.set('current', def ?? null);
    if (def) this.definitions.set(def.runId, def);
    return def;
  }

  /** Runs now, here, as a tracked job (runs.ts); a run id seen before answers that run. */
  run = (options: Partial<ClusteringOptions> & { runId?: string } = {}) => this.runs.run(options, 'process');
  /** Starts a run whose pages go through the bulk queue (the daily trigger); answers the run as planned. */
  start = (options: Partial<ClusteringOptions> & { runId?: string } = {}) => this.runs.run(options, 'queue');

  /**
   * Places a customer whose predictions changed in the nearest current segment, without a new run. If a
   * newer run has assigned the customer meanwhile, that run's answer stands.
   */
  async assign(customerId: string, history: CustomerHistory, prediction: CustomerPrediction): Promise<void> {
    for (const fresh of [false, true]) {
      const def = await this.current(fresh);
      if (!def) return;
      const fs = def.model.featureSet;
      const raw = customerFeatures(fs, history, prediction);
      // A run with AI readings places the customer with theirs (or the population's means without).
      if (fs.readings) raw.push(...readingValues((await this.deps.readings?.([customerId]))?.get(customerId), fs.readings.means));
      if (raw.some((v) => !Number.isFinite(v))) return;
      const { segmentId, distance } = assignOne(def.model, raw);
      const before = await this.deps.assignments.get(customerId);
      const previousSegmentId = before && before.segmentId !== segmentId ? before.segmentId : before?.previousSegmentId;
      const stored = await this.deps.assignments.putIfSameRun({ customerId, segmentId, distance, runId: def.runId, assignedAt: this.iso(), ...(previousSegmentId ? { previousSegmentId } : {}) });
      this.invalidate(customerId);
      if (stored) return;
    }
  }

  /** The customer's assignment with the definition of the run that made it (stale if the store is down). */
  async read(customerId: string): Promise<{ assignment: Assignment; definition: SegmentDefinition; ageSeconds: number; stale: boolean } | undefined> {
    const a = await readThrough(this.reads, customerId, () => this.deps.assignments.get(customerId), this.deps.now);
    if (!a) return undefined;
    const d = await readThrough(this.definitions, a.value.runId, () => this.deps.store.definition(a.value.runId), this.deps.now);
    return d ? { assignment: a.value, definition: d.value, ageSeconds: a.ageSeconds, stale: a.stale || d.stale } : undefined;
  }

  /** The customer's segment as served; 404 with the reason when there is none. */
  async serve(customerId: string) {
    const found = await this.read(customerId);
    if (!found) {
      const customer = await this.deps.customers.get(customerId);
      if (!customer) throw notFound('customer');
      if (objectsToProfiling(customer)) throw profilingObjected();
      throw new Problem(404, 'segments.notAssigned', 'The customer is not in a segment yet (no purchases, or no segment run)');
    }
    const { assignment: a, definition } = found;
    const found_ = definition.segments.find((s) => s.id === a.segmentId);
    if (!found_) throw new Problem(404, 'segments.notAssigned', 'The customer is not in a current segment yet');
    const segment = this.named(found_, await this.names().catch(() => ({}) as SegmentNames));
    const view = {
      customerId,
      segment: { id: segment.id, name: segment.name, summary: segment.summary },
      distance: Number(a.distance.toFixed(4)),
      ...(a.previousSegmentId ? { previousSegmentId: a.previousSegmentId } : {}),
      runId: a.runId,
      assignedAt: a.assignedAt,
    };
    return { view, ageSeconds: found.ageSeconds, stale: found.stale };
  }

  /** The name of the customer's current segment, if any (for the AI analysis's input). */
  async segmentName(customerId: string): Promise<string | undefined> {
    const found = await this.read(customerId).catch(() => undefined);
    const segment = found?.definition.segments.find((s) => s.id === found.assignment.segmentId);
    return segment ? this.named(segment, await this.names().catch(() => ({}) as SegmentNames)).name : undefined;
  }

  /** An objection to profiling: the customer's assignment goes (runs leave them out: they have no predictions). */
  async profilingWithdrawn(customerId: string): Promise<void> {
    await this.deps.assignments.eraseOf(customerId);
    this.invalidate(customerId);
  }

  /** Consent given again: the recompute that follows assigns the customer. */
  async profilingGranted(): Promise<void> {}

  forget(customerId: string): void {
    this.invalidate(customerId);
  }

  private invalidate(customerId: string): void {
    this.reads.delete(customerId);
    this.deps.views?.forget(customerId);
  }

  runRecord(id: string): Promise<SegmentRun | undefined> {
    return this.runs.view(id);
  }

}
