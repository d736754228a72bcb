import type { CustomerPrediction } from '../predictions/customer.ts';
import type { CustomerHistory } from '../predictions/history.ts';
import type { PredictionService } from '../predictions/predictions.service.ts';
import { TtlCache } from '../predictions/cache.ts';
import type { Region } from '../regions/region.schema.ts';
import { SegmentationError, type ClusteringOptions } from './clustering.ts';
import { customerFeatures, featureSet } from './features.ts';
import { assignOne, runSegmentation } from './run.ts';
import type { Assignment, AssignmentRepository, SegmentDefinition, SegmentRun, SegmentStore } from './segments.repository.ts';

export interface SegmentServiceDeps {
  region: Region;
  predictions: Pick<PredictionService, 'snapshot'>;
  assignments: AssignmentRepository;
  store: SegmentStore;
  now: () => number;
}

const DEFINITION_CACHE_MS = 5 * 60_000;

export type SegmentService = ReturnType<typeof segmentService>;

/**
 * Runs segmentation for one jurisdiction, in its region, on its own customers; keeps the current segments
 * (aggregates) in the global store and each customer's assignment in the jurisdiction's table. A failed
 * run is recorded as failed and leaves the current segments as they were.
 */
export function segmentService(deps: SegmentServiceDeps) {
  const jurisdiction = deps.region.jurisdiction;
  let definition: { value: SegmentDefinition | undefined; until: number } | undefined;
  const reads = new TtlCache<Assignment>(60_000, 10_000, deps.now);
  const iso = () => new Date(deps.now()).toISOString();

  async function current(): Promise<SegmentDefinition | undefined> {
    if (definition && definition.until > deps.now()) return definition.value;
    const value = await deps.store.current(jurisdiction);
    definition = { value, until: deps.now() + DEFINITION_CACHE_MS };
    return value;
  }

  return {
    current,

    /** Starts (and finishes) a run; a run id seen before returns that run's record: runs are idempotent. */
    async run(options: Partial<ClusteringOptions> & { runId?: string } = {}): Promise<SegmentRun> {
      const id = options.runId ?? `${jurisdiction}-${iso().replace(/[-:.]/g, '').slice(0, 15)}`.toLowerCase();
      const existing = await deps.store.run(id);
      // A failed run may be tried again under its id; a running or finished one is returned as it is.
      if (existing && existing.status !== 'failed') return existing;
      const run: SegmentRun = { id, jurisdiction, status: 'running', progress: { done: 0, phase: 'loading' }, startedAt: iso() };
      await deps.store.putRun(run);
      const step = (done: number, phase: SegmentRun['progress']['phase']) => deps.store.putRun({ ...run, progress: { done, phase } });
      try {
        const snapshot = await deps.predictions.snapshot();
        await step(0.4, 'clustering');
        const set = featureSet(snapshot.map((s) => s.history));
        const input = snapshot.map((s) => ({ customerId: s.customerId, raw: customerFeatures(set, s.history, s.prediction), revenue: s.history.totalSpend }));
        const previousDef = await current();
        const previous = previousDef ? { segments: previousDef.segments.map((s) => ({ id: s.id, centroidRaw: set.defs.map((d) => s.centroid[d.name] ?? 0) })), assignments: await deps.assignments.all() } : undefined;
        // A changed feature set (a new top category) cannot be compared centroid by centroid: start afresh.
        const comparable = previousDef && previousDef.model.featureSet.defs.map((d) => d.name).join() === set.defs.map((d) => d.name).join();
        const result = runSegmentation(set, input, options, comparable ? previous : undefined);
        await step(0.7, 'assigning');
        const now = iso();
        const assignments: Assignment[] = [...result.assignments].map(([customerId, a]) => {
          const was = previous?.assignments.get(customerId);
          return { customerId, segmentId: a.segmentId, distance: a.distance, runId: id, assignedAt: now, ...(was && was !== a.segmentId ? { previousSegmentId: was } : {}) };
        });
        await deps.assignments.putMany(assignments);
        const def: SegmentDefinition = { jurisdiction, runId: id, createdAt: now, model: result.model, segments: result.segments };
        await deps.store.putCurrent(def);
        definition = { value: def, until: deps.now() + DEFINITION_CACHE_MS };
        for (const a of assignments) reads.delete(a.customerId);
        Object.assign(run, {
          status: 'succeeded',
          progress: { done: 1, phase: 'finished' },
          finishedAt: iso(),
          customers: input.length,
          k: result.k,
          candidates: result.candidates,
          ...(result.agreement !== undefined ? { agreement: result.agreement } : {}),
          moves: result.moves,
          featureSetVersion: set.version,
        } satisfies Partial<SegmentRun>);
      } catch (err) {
        const code = err instanceof SegmentationError ? err.code : 'segments.runFailed';
        Object.assign(run, { status: 'failed', progress: { ...run.progress, phase: 'finished' }, finishedAt: iso(), error: { code, message: err instanceof Error ? err.message : String(err) } });
        console.error(JSON.stringify({ level: 'error', msg: 'segment run failed', run: id, code }));
      }
      await deps.store.putRun(run);
      return run;
    },

    /** Places a customer whose predictions changed in the nearest current segment, without a new run. */
    async assign(customerId: string, history: CustomerHistory, prediction: CustomerPrediction): Promise<void> {
      const def = await current();
      if (!def) return;
      const raw = customerFeatures(def.model.featureSet, history, prediction);
      if (raw.some((v) => !Number.isFinite(v))) return;
      const { segmentId, distance } = assignOne(def.model, raw);
      const before = await deps.assignments.get(customerId);
      const previousSegmentId = before && before.segmentId !== segmentId ? before.segmentId : before?.previousSegmentId;
      await deps.assignments.put({ customerId, segmentId, distance, runId: def.runId, assignedAt: iso(), ...(previousSegmentId ? { previousSegmentId } : {}) });
      reads.delete(customerId);
    },

    async read(customerId: string): Promise<{ assignment: Assignment; definition: SegmentDefinition } | undefined> {
      const def = await current();
      if (!def) return undefined;
      let assignment = reads.get(customerId)?.value;
      if (!assignment) {
        const generation = reads.mark();
        assignment = await deps.assignments.get(customerId);
        if (!assignment) return undefined;
        reads.set(customerId, assignment, generation);
      }
      return { assignment, definition: def };
    },

    runRecord: (id: string) => deps.store.run(id),
  };
}
