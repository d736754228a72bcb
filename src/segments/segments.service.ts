import type { CustomerPrediction } from '../predictions/model/customer.ts';
import type { CustomerHistory } from '../predictions/model/history.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { Region } from '../regions/region.schema.ts';
import { SegmentationError, unscale, type ClusteringOptions } from './model/clustering.ts';
import { customerFeatures, featureSet, segmentInputs, untransform } from './model/features.ts';
import { assignOne, runSegmentation, type PreviousRun } from './model/run.ts';
import type { Assignment, AssignmentRepository, SegmentDefinition, SegmentRun, SegmentStore } from './segments.repository.ts';

export interface SegmentServiceDeps {
  region: Region;
  predictions: Pick<PredictionService, 'snapshot'>;
  assignments: AssignmentRepository;
  store: SegmentStore;
  now: () => number;
}

const CACHE_MS = 60_000;
/** A run still "running" after this long died with its Worker: it may be started again. */
const STALE_RUN_MS = 30 * 60_000;

export type SegmentService = ReturnType<typeof segmentService>;

/**
 * Runs segmentation for one jurisdiction, in its region, on its own customers. A run stores its
 * definition under its own id first, then the assignments (which name the run), then makes itself
 * current: an assignment is always read with the definition it was made for, and a run that fails part
 * way leaves the current segments as they were.
 */
export function segmentService(deps: SegmentServiceDeps) {
  const jurisdiction = deps.region.jurisdiction;
  const prefix = `${jurisdiction.toLowerCase()}-`;
  const iso = () => new Date(deps.now()).toISOString();
  const currentCache = new TtlCache<SegmentDefinition | null>(CACHE_MS, 1, deps.now);
  const definitions = new TtlCache<SegmentDefinition>(5 * CACHE_MS, 50, deps.now);
  const reads = new TtlCache<Assignment>(CACHE_MS, 10_000, deps.now);

  async function current(fresh = false): Promise<SegmentDefinition | undefined> {
    const hit = fresh ? undefined : currentCache.get('current');
    if (hit) return hit.value ?? undefined;
    const def = await deps.store.current(jurisdiction);
    currentCache.set('current', def ?? null);
    if (def) definitions.set(def.runId, def);
    return def;
  }

  async function definitionOf(runId: string): Promise<SegmentDefinition | undefined> {
    const hit = definitions.get(runId);
    if (hit) return hit.value;
    const def = await deps.store.definition(runId);
    if (def) definitions.set(runId, def);
    return def;
  }

  /** The previous run in the space of this run's features (centroids back in original units). */
  async function previousRun(names: string[]): Promise<{ previous?: PreviousRun; usedIds: string[] }> {
    const def = await current(true);
    if (!def) return { usedIds: [] };
    const usedIds = [...new Set([...(def.usedIds ?? []), ...def.model.ids])];
    const prevSet = def.model.featureSet;
    // A changed feature set (a new top category) cannot be compared centre by centre: new ids, none reused.
    if (prevSet.defs.map((d) => d.name).join() !== names.join()) return { previous: { segments: [], assignments: new Map(), usedIds }, usedIds };
    const segments = def.model.centroids.map((c, i) => ({ id: def.model.ids[i]!, centroidRaw: untransform(prevSet, unscale(def.model.scaler, c)) }));
    return { previous: { segments, assignments: await deps.assignments.all(), usedIds }, usedIds };
  }

  return {
    current: () => current(),

    /** Runs now; a run id seen before returns that run (runs are idempotent), unless it failed or died. */
    async run(options: Partial<ClusteringOptions> & { runId?: string } = {}): Promise<SegmentRun> {
      const asked = options.runId ?? iso().replace(/[-:.]/g, '').slice(0, 15).toLowerCase();
      // Run ids live in one global table: they carry the jurisdiction, so EU and ROW runs never collide.
      const id = asked.startsWith(prefix) ? asked : `${prefix}${asked}`;
      const run: SegmentRun = { id, jurisdiction, status: 'running', progress: { done: 0, phase: 'loading' }, startedAt: iso() };
      if (!(await deps.store.startRun(run, new Date(deps.now() - STALE_RUN_MS).toISOString()))) {
        return (await deps.store.run(id))!;
      }
      const step = (done: number, phase: NonNullable<SegmentRun['progress']>['phase']) => {
        run.progress = { done, phase };
        return deps.store.putRun(run);
      };
      try {
        const snapshot = await deps.predictions.snapshot();
        await step(0.4, 'clustering');
        const set = featureSet(snapshot.map((s) => s.history));
        const { previous, usedIds } = await previousRun(set.defs.map((d) => d.name));
        const result = runSegmentation(set, segmentInputs(set, snapshot), options, previous);
        await step(0.7, 'assigning');
        const now = iso();
        const def: SegmentDefinition = {
          jurisdiction,
          runId: id,
          createdAt: now,
          model: result.model,
          segments: result.segments,
          usedIds: [...new Set([...usedIds, ...result.model.ids])],
        };
        await deps.store.putDefinition(def);
        const assignments: Assignment[] = [...result.assignments].map(([customerId, a]) => {
          const was = previous?.assignments.get(customerId);
          return { customerId, segmentId: a.segmentId, distance: a.distance, runId: id, assignedAt: now, ...(was && was !== a.segmentId ? { previousSegmentId: was } : {}) };
        });
        await deps.assignments.putMany(assignments);
        await deps.store.putCurrent(def);
        currentCache.set('current', def);
        definitions.set(id, def);
        for (const a of assignments) reads.delete(a.customerId);
        Object.assign(run, {
          status: 'succeeded',
          progress: { done: 1, phase: 'finished' },
          finishedAt: iso(),
          customers: assignments.length,
          k: result.k,
          candidates: result.candidates,
          ...(result.agreement !== undefined ? { agreement: result.agreement } : {}),
          moves: result.moves,
          featureSetVersion: set.version,
        } satisfies Partial<SegmentRun>);
      } catch (err) {
        const code = err instanceof SegmentationError ? err.code : 'segments.runFailed';
        Object.assign(run, { status: 'failed', finishedAt: iso(), error: { code, message: err instanceof Error ? err.message : String(err) } });
        console.error(JSON.stringify({ level: 'error', msg: 'segment run failed', run: id, code }));
      }
      await deps.store.putRun(run);
      return run;
    },

    /**
     * Places a customer whose predictions changed in the nearest current segment, without a new run. If a
     * newer run has assigned the customer meanwhile, that run's answer stands.
     */
    async assign(customerId: string, history: CustomerHistory, prediction: CustomerPrediction): Promise<void> {
      for (const fresh of [false, true]) {
        const def = await current(fresh);
        if (!def) return;
        const raw = customerFeatures(def.model.featureSet, history, prediction);
        if (raw.some((v) => !Number.isFinite(v))) return;
        const { segmentId, distance } = assignOne(def.model, raw);
        const before = await deps.assignments.get(customerId);
        const previousSegmentId = before && before.segmentId !== segmentId ? before.segmentId : before?.previousSegmentId;
        const stored = await deps.assignments.putIfSameRun({ customerId, segmentId, distance, runId: def.runId, assignedAt: iso(), ...(previousSegmentId ? { previousSegmentId } : {}) });
        reads.delete(customerId);
        if (stored) return;
      }
    },

    /** The customer's assignment with the definition of the run that made it. */
    async read(customerId: string): Promise<{ assignment: Assignment; definition: SegmentDefinition } | undefined> {
      let assignment = reads.get(customerId)?.value;
      if (!assignment) {
        const generation = reads.mark();
        assignment = await deps.assignments.get(customerId);
        if (!assignment) return undefined;
        reads.set(customerId, assignment, generation);
      }
      const definition = await definitionOf(assignment.runId);
      return definition ? { assignment, definition } : undefined;
    },

    runRecord: (id: string) => deps.store.run(id),
  };
}
