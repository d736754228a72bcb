import type { Customer } from '../customers/customers.schemas.ts';
import { objectsToProfiling } from '../customers/customers.model.ts';
import { Problem } from '../http/problem.ts';
import { jobIdFor, type JobRecord } from '../jobs/jobs.model.ts';
import type { StoredJob } from '../jobs/jobs.repository.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { CustomerSnapshot } from '../predictions/predictions.service.ts';
import type { Region } from '../regions/region.schema.ts';
import { DEFAULT_CLUSTERING, SegmentationError, unscale, type ClusteringOptions } from './model/clustering.ts';
import { customerFeatures, featureSet, segmentInputs, untransform } from './model/features.ts';
import { readingValues, withReadings, type AiReadings } from './model/readings.ts';
import { assignOne, runSegmentation, type PreviousRun } from './model/run.ts';
import type { Assignment, AssignmentRepository, SegmentDefinition, SegmentStore } from './segments.repository.ts';
import type { SegmentRun } from './segments.schemas.ts';

export interface SegmentRunsDeps {
  region: Region;
  snapshot(): Promise<CustomerSnapshot[]>;
  assignments: AssignmentRepository;
  store: SegmentStore;
  readings?(customerIds: readonly string[]): Promise<Map<string, AiReadings>>;
  /** The queue that takes model naming off the run's path (with Bedrock configured). */
  namingQueue?: Pick<JobQueue, 'send'>;
  /** The current definition (fresh), and what the service caches once a run is current. */
  current(): Promise<SegmentDefinition | undefined>;
  madeCurrent(def: SegmentDefinition): void;
  invalidate(customerId: string): void;
  now: () => number;
}

type Jobs = Pick<JobService, 'run' | 'start' | 'get'>;

/**
 * A segment run as a tracked job `segments.run` (decision 122). The plan is the heavy step: it reads every
 * customer, fits the clusters and stores the run's definition under the run id (never current yet). Each page
 * assigns one parallel-scan segment of the customers to the nearest centre of that stored definition, so a
 * page run twice, or resumed by the sweep in another process, writes the same assignments. When every page is
 * counted the definition becomes current and the run record says how it ended; a run with a failed page
 * leaves the current segments as they were. The run record (`/v1/segment-runs/:id`) names its job.
 */
export class SegmentRuns {
  private jobs: Jobs | undefined;
  private readonly definitions = new Map<string, SegmentDefinition>();

  constructor(private readonly deps: SegmentRunsDeps) {}

  useJobs(jobs: Jobs): void {
    this.jobs = jobs;
  }

  private iso = () => new Date(this.deps.now()).toISOString();
  private prefix = () => `${this.deps.region.jurisdiction.toLowerCase()}-`;

  /** Run ids live in one global table: they carry the jurisdiction, so EU and ROW runs never collide. */
  runIdFor(asked?: string): string {
    const id = asked ?? this.iso().replace(/[-:.]/g, '').slice(0, 15).toLowerCase();
    return id.startsWith(this.prefix()) ? id : `${this.prefix()}${id}`;
  }

  /** `eu-daily-2026-12-01` is run by the job `eu-segments-daily-2026-12-01`. */
  jobIdOf = (runId: string) => jobIdFor(this.deps.region.jurisdiction, 'segments.run', runId.slice(this.prefix().length));

  private need(): Jobs {
    if (!this.jobs) throw new Problem(503, 'jobs.unavailable', 'The job model is not wired in this deployment');
    return this.jobs;
  }

  /**
   * Runs now, here (the plan and every page), and answers the run record. A run id seen before answers that
   * run (and runs its pages not counted, if its process died); a refused run (too few customers) is `failed`.
   */
  async run(options: Partial<ClusteringOptions> & { runId?: string } = {}, runner: 'process' | 'queue' = 'process'): Promise<SegmentRun> {
    const runId = this.runIdFor(options.runId);
    const params = { runId, kMin: options.kMin ?? DEFAULT_CLUSTERING.kMin, kMax: options.kMax ?? DEFAULT_CLUSTERING.kMax, seed: options.seed ?? DEFAULT_CLUSTERING.seed };
    const suffix = runId.slice(this.prefix().length);
    try {
      if (runner === 'process') await this.need().run('segments.run', { suffix, params });
      else await this.need().start('segments.run', { suffix, params });
    } catch (err) {
      // The plan recorded the failed run; anything else (a store outage) is the caller's to hear.
      if (!(err instanceof Problem && err.code.startsWith('segments.')) || !(await this.deps.store.run(runId))) throw err;
    }
    return (await this.view(runId))!;
  }

  /** The run record, with its job's progress while it runs and its end if the job was cancelled. */
  async view(runId: string): Promise<SegmentRun | undefined> {
    const run = await this.deps.store.run(runId);
    if (!run || run.status !== 'running' || !run.jobId) return run;
    const job = await this.jobs?.get(run.jobId);
    if (!job) return run;
    if (job.status === 'cancelled') return { ...run, status: 'cancelled', ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}) };
    if (job.status === 'running' && job.progress.total) return { ...run, progress: { done: Number((0.7 + (0.3 * job.progress.done) / job.progress.total).toFixed(4)), phase: 'assigning' } };
    return run;
  }

  private async definitionOf(runId: string): Promise<SegmentDefinition> {
    const hit = this.definitions.get(runId);
    if (hit) return hit;
    const def = await this.deps.store.definition(runId);
    if (!def) throw new Error('the run has no stored definition');
    if (this.definitions.size > 20) this.definitions.clear();
    this.definitions.set(runId, def);
    return def;
  }

  /** The run of a job (`eu-segments-x` runs `eu-x`; a job started at `POST /v1/ops/jobs` has no runId parameter). */
  private runOfJob = (job: JobRecord) => String(job.params.runId ?? `${this.prefix()}${job.id.slice(`${this.prefix()}segments-`.length)}`);

  /** The plan of a `segments.run` job: the fit, stored as the run's definition; how many customers were read. */
  async plan(job: JobRecord): Promise<{ customers: number; params: { runId: string }; result: Record<string, unknown> }> {
    const runId = this.runOfJob(job);
    const run: SegmentRun = { id: runId, jurisdiction: this.deps.region.jurisdiction, status: 'running', progress: { done: 0, phase: 'loading' }, startedAt: this.iso(), jobId: job.id };
    await this.deps.store.putRun(run);
    try {
      const options = { kMin: Number(job.params.kMin ?? DEFAULT_CLUSTERING.kMin), kMax: Number(job.params.kMax ?? DEFAULT_CLUSTERING.kMax), seed: Number(job.params.seed ?? DEFAULT_CLUSTERING.seed) };
      const snapshot = await this.deps.snapshot();
      await this.deps.store.putRun({ ...run, progress: { done: 0.4, phase: 'clustering' } });
      const base = featureSet(snapshot.map((s) => s.history));
      const readings = this.deps.readings ? await this.deps.readings(snapshot.map((s) => s.customerId)) : new Map<string, AiReadings>();
      const { set, inputs, share } = withReadings(base, segmentInputs(base, snapshot), readings);
      const { previous, usedIds } = await this.previousRun(set.defs.map((d) => d.name));
      const result = runSegmentation(set, inputs, options, previous);
      const def: SegmentDefinition = { jurisdiction: this.deps.region.jurisdiction, runId, createdAt: this.iso(), model: result.model, segments: result.segments, usedIds: [...new Set([...usedIds, ...result.model.ids])] };
      await this.deps.store.putDefinition(def);
      this.definitions.set(runId, def);
      // Aggregates only: the job record is not personal.
      const report = {
        customers: result.assignments.size,
        k: result.k,
        candidates: result.candidates,
        ...(result.agreement !== undefined ? { agreement: result.agreement } : {}),
        moves: result.moves,
        featureSetVersion: set.version,
        aiReadings: { share: Number(share.toFixed(4)), used: set.readings !== undefined },
      };
      await this.deps.store.putRun({ ...run, progress: { done: 0.7, phase: 'assigning' }, ...report });
      return { customers: snapshot.length, params: { runId }, result: report };
    } catch (err) {
      const code = err instanceof SegmentationError ? err.code : 'segments.runFailed';
      const message = err instanceof Error ? err.message : String(err);
      await this.deps.store.putRun({ ...run, status: 'failed', finishedAt: this.iso(), error: { code, message } });
      console.error(JSON.stringify({ level: err instanceof SegmentationError ? 'warn' : 'error', msg: 'segment run failed', run: runId, code }));
      // A refusal is the caller's 422 (and the job's failure code); anything else is retried as the job's plan.
      throw err instanceof SegmentationError ? new Problem(422, code, message, { runId }) : err;
    }
  }

  /** The previous run in the space of this run's features (centroids back in original units). */
  private async previousRun(names: string[]): Promise<{ previous?: PreviousRun; usedIds: string[] }> {
    const def = await this.deps.current();
    if (!def) return { usedIds: [] };
    const usedIds = [...new Set([...(def.usedIds ?? []), ...def.model.ids])];
    const prevSet = def.model.featureSet;
    // A changed feature set (a new top category) cannot be compared centre by centre: new ids, none reused.
    if (prevSet.defs.map((d) => d.name).join() !== names.join()) return { previous: { segments: [], assignments: new Map(), usedIds }, usedIds };
    const segments = def.model.centroids.map((c, i) => ({ id: def.model.ids[i]!, centroidRaw: untransform(prevSet, unscale(def.model.scaler, c)) }));
    return { previous: { segments, assignments: await this.deps.assignments.all(), usedIds }, usedIds };
  }

  /**
   * One page: these customers (a scan segment) placed in the run's segments, as the fit's streaming pass
   * placed them. Left out as the fit leaves them out: objectors, customers with no purchases, customers
   * inactive beyond the retention of derived data. Returns how many were assigned.
   */
  async assignPage(job: JobRecord, customers: readonly Customer[], snapshotsOf: (ids: readonly string[]) => Promise<CustomerSnapshot[]>): Promise<number> {
    const runId = this.runOfJob(job);
    const def = await this.definitionOf(runId);
    const fs = def.model.featureSet;
    const snapshots = await snapshotsOf(customers.filter((c) => !objectsToProfiling(c)).map((c) => c.id));
    const readings = fs.readings && this.deps.readings ? await this.deps.readings(snapshots.map((s) => s.customerId)) : new Map<string, AiReadings>();
    const before = await this.deps.assignments.getMany(snapshots.map((s) => s.customerId));
    const at = this.iso();
    const out: Assignment[] = [];
    for (const s of snapshots) {
      const raw = customerFeatures(fs, s.history, s.prediction);
      if (raw[0]! > this.deps.region.retention.inactiveDerivedDays) continue;
      if (fs.readings) raw.push(...readingValues(readings.get(s.customerId), fs.readings.means));
      if (raw.some((v) => !Number.isFinite(v))) continue;
      const { segmentId, distance } = assignOne(def.model, raw);
      const was = before.get(s.customerId);
      // A page run again keeps what its first run saw before it.
      const previousSegmentId = was?.runId === runId ? was.previousSegmentId : was && was.segmentId !== segmentId ? was.segmentId : undefined;
      out.push({ customerId: s.customerId, segmentId, distance, runId, assignedAt: at, ...(previousSegmentId ? { previousSegmentId } : {}) });
    }
    await this.deps.assignments.putMany(out);
    for (const a of out) this.deps.invalidate(a.customerId);
    return out.length;
  }

  /** Every page counted: the run becomes current (or, with a failed page, says it failed). */
  async finish(job: StoredJob | JobRecord): Promise<void> {
    const runId = this.runOfJob(job);
    const run = await this.deps.store.run(runId);
    if (!run) return;
    if (job.status !== 'succeeded') {
      await this.deps.store.putRun({ ...run, status: 'failed', finishedAt: this.iso(), error: { code: 'segments.pagesFailed', message: `${job.failureCount} pages failed after their retries; the current segments stay` } });
      return;
    }
    const def = await this.definitionOf(runId);
    await this.deps.store.putCurrent(def);
    this.deps.madeCurrent(def);
    // Names from the model off the run's path: the statistical names serve until they are in.
    if (this.deps.namingQueue) await this.deps.namingQueue.send({ kind: 'segments.name', runId });
    await this.deps.store.putRun({ ...run, status: 'succeeded', progress: { done: 1, phase: 'finished' }, finishedAt: this.iso() });
  }
}
