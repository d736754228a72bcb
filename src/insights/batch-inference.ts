import { randomBytes } from 'node:crypto';
import { CreateModelInvocationJobCommand, GetModelInvocationJobCommand, StopModelInvocationJobCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { JobQueue } from '../jobs/queue.ts';
import type { Region } from '../regions/region.schema.ts';
import { customerOfJob } from '../residency/jurisdiction.ts';
import type { Analyses } from './analyse.ts';
import type { BatchRepository } from './batches.repository.ts';
import { batchModelInput, readBatchOutput } from './bedrock.ts';
import type { AnalysisJob, InferenceRecord, JobResult } from './insights.model.ts';
import type { AnalysisJobs } from './job.ts';
import type { JobRepository } from './jobs.repository.ts';
import type { PseudonymousInput } from './prompt.ts';
import type { RefreshRequests } from './refresh.ts';

export interface BatchInferenceSettings {
  /** The jurisdiction region's bucket for the JSONL in and out (Bedrock reads and writes it with `roleArn`). */
  bucket: string;
  /** The service role Bedrock assumes to read the input and write the output. */
  roleArn: string;
  /**
   * Below this many records a day's batch runs on demand: Bedrock refuses smaller jobs (the quota "Minimum
   * number of records per batch inference job", 100 by default; check the account's Service Quotas).
   */
  minRecords: number;
  /** A job not finished this long after it was submitted is stopped and its remaining records run on demand. */
  deadlineMs: number;
  /** How often the job is polled. */
  pollSeconds: number;
}

export interface BatchInferenceDeps {
  region: Region;
  settings: BatchInferenceSettings;
  s3: S3Client;
  bedrock: BedrockClient;
  modelId: string;
  analyses: Analyses;
  jobs: JobRepository;
  runner: AnalysisJobs;
  refresh: RefreshRequests;
  batches: BatchRepository;
  queue: JobQueue;
  now: () => number;
}

/** What the batch sent for one job: the job, and the input its answer is read against. */
interface Sent {
  recordId: string;
  jobId: string;
  lineCount: number;
  input: PseudonymousInput;
}

const IN_PROGRESS = new Set(['Submitted', 'Validating', 'Scheduled', 'InProgress', 'Stopping']);
/** Bedrock's record ids: alphanumeric; random, so the files Bedrock reads name no customer or job. */
const recordId = () => randomBytes(8).toString('hex').slice(0, 11).toUpperCase();

/**
 * The daily batch through Bedrock batch inference: pages prepare their jobs (the same checks as an
 * on-demand job) and write the model inputs as JSONL to the jurisdiction's bucket; the last page submits one
 * CreateModelInvocationJob (or, below the service's minimum, sends every job on demand); a poll reads the
 * output back, validates it with the on-demand schema, charges each record at batch prices on its job's
 * ledger line and stores the answer. What the job did not answer (a failure half-way, an error record, a job
 * stopped at the deadline) runs on demand; a record whose answer does not validate is charged, and its
 * customer gets an on-demand job, which has the usual repair.
 *
 * In S3, under `batch/<batchId>/`: `input/page-n.jsonl` (what Bedrock reads: record ids and model inputs,
 * pseudonymous), `sent/page-n.jsonl` (record id → job and input, for reading the answers back) and Bedrock's
 * `output/`. All of it is deleted once the output has been read.
 */
export class BatchInference {
  constructor(private readonly deps: BatchInferenceDeps) {}

  private prefix = (batchId: string) => `batch/${batchId}/`;

  private async put(key: string, lines: unknown[]): Promise<void> {
    await this.deps.s3.send(new PutObjectCommand({ Bucket: this.deps.settings.bucket, Key: key, Body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', ContentType: 'application/jsonl' }));
  }

  private async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.deps.s3.send(new ListObjectsV2Command({ Bucket: this.deps.settings.bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(res.Contents ?? []).map((o) => o.Key!));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private async lines(key: string): Promise<Record<string, unknown>[]> {
    const res = await this.deps.s3.send(new GetObjectCommand({ Bucket: this.deps.settings.bucket, Key: key }));
    const text = (await res.Body?.transformToString('utf8')) ?? '';
    const out: Record<string, unknown>[] = [];
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      try {
        out.push(JSON.parse(raw) as Record<string, unknown>);
      } catch {
        // A line Bedrock wrote that is not JSON: its record counts as not answered (it runs on demand).
      }
    }
    return out;
  }

  private async sent(batchId: string): Promise<Sent[]> {
    const out: Sent[] = [];
    for (const key of await this.keys(`${this.prefix(batchId)}sent/`)) out.push(...((await this.lines(key)) as unknown as Sent[]));
    return out;
  }

  /**
   * A page's jobs (recorded, not queued): each is prepared now; those with an outcome already (no consent,
   * too little history, over budget, …) are finished, the others written as records of the batch.
   */
  async addPage(batchId: string, page: number, jobIds: string[]): Promise<number> {
    const records: unknown[] = [];
    const sent: Sent[] = [];
    for (const jobId of jobIds) {
      const customerId = customerOfJob(jobId)!;
      await this.deps.runner.settle(customerId, jobId, async (job) => {
        const prepared = await this.deps.analyses.prepare(job);
        if ('result' in prepared) return prepared.result;
        const id = recordId();
        records.push({ recordId: id, modelInput: batchModelInput(prepared.input) });
        sent.push({ recordId: id, jobId, lineCount: prepared.lineCount, input: prepared.input });
        return undefined; // back to queued: it waits for the batch
      });
    }
    if (records.length === 0) return 0;
    const name = `page-${String(page).padStart(6, '0')}.jsonl`;
    await this.put(`${this.prefix(batchId)}sent/${name}`, sent);
    await this.put(`${this.prefix(batchId)}input/${name}`, records);
    return records.length;
  }

  /** After the last page: one inference job for the day, or every job on demand below the minimum. */
  async submit(batchId: string): Promise<void> {
    const { deps } = this;
    const existing = await deps.batches.inference(batchId);
    if (existing) {
      // A redelivery: the jobs were sent, or the inference job was submitted (a second poll is harmless).
      if (existing.mode === 'batch' && !existing.finishedAt) await deps.queue.send({ kind: 'insights.inference', step: 'poll', batchId }, { delaySeconds: deps.settings.pollSeconds });
      return;
    }
    const sent = await this.sent(batchId);
    const at = new Date(deps.now()).toISOString();
    if (sent.length === 0) return;
    if (sent.length < deps.settings.minRecords) {
      for (const s of sent) await deps.queue.send({ kind: 'insights.analyze', customerId: customerOfJob(s.jobId)!, jobId: s.jobId });
      await deps.batches.putInference(batchId, { mode: 'on_demand', status: 'queued', records: sent.length, submittedAt: at, answered: 0, invalid: 0, onDemand: sent.length, costUsd: 0 });
      await this.cleanUp(batchId);
      return;
    }
    const { bucket, roleArn } = deps.settings;
    // The client request token is the batch id: a redelivered submit gets the first job back, not a second.
    const created = await deps.bedrock.send(
      new CreateModelInvocationJobCommand({
        jobName: `cadence-${batchId}`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63),
        clientRequestToken: batchId,
        modelId: deps.modelId,
        roleArn,
        inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${bucket}/${this.prefix(batchId)}input/`, s3InputFormat: 'JSONL' } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${bucket}/${this.prefix(batchId)}output/` } },
        timeoutDurationInHours: 24,
      }),
    );
    await deps.batches.putInference(batchId, { mode: 'batch', status: 'Submitted', jobArn: created.jobArn!, records: sent.length, submittedAt: at, answered: 0, invalid: 0, onDemand: 0, costUsd: 0 });
    await deps.queue.send({ kind: 'insights.inference', step: 'poll', batchId }, { delaySeconds: deps.settings.pollSeconds });
  }

  /** Polls the day's job; reads it back once it has ended, or stops it at the deadline. */
  async poll(batchId: string): Promise<void> {
    const { deps } = this;
    const record = await deps.batches.inference(batchId);
    if (!record || record.mode !== 'batch' || !record.jobArn || record.finishedAt) return;
    const job = await deps.bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: record.jobArn }));
    let status = job.status ?? 'Failed';
    if (IN_PROGRESS.has(status)) {
      if (deps.now() - Date.parse(record.submittedAt) < deps.settings.deadlineMs) {
        // The jobs wait longer than a refresh marker lives: keep their markers, so nothing asks again meanwhile.
        for (const s of await this.sent(batchId)) await deps.jobs.touchPending(customerOfJob(s.jobId)!, s.jobId, deps.now());
        await deps.batches.putInference(batchId, { ...record, status });
        await deps.queue.send({ kind: 'insights.inference', step: 'poll', batchId }, { delaySeconds: deps.settings.pollSeconds });
        return;
      }
      if (status !== 'Stopping') await deps.bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: record.jobArn }));
      status = 'Stopped';
    }
    await this.collect(batchId, record, status);
  }

  /** Reads what the job answered: each record charged and stored once; everything else on demand. */
  private async collect(batchId: string, record: InferenceRecord, status: string): Promise<void> {
    const { deps } = this;
    const jobName = record.jobArn!.split('/').at(-1)!;
    const outputs = new Map<string, Record<string, unknown>>();
    for (const key of await this.keys(`${this.prefix(batchId)}output/${jobName}/`)) {
      if (!key.endsWith('.jsonl.out')) continue;
      for (const line of await this.lines(key)) if (typeof line.recordId === 'string') outputs.set(line.recordId, line);
    }
    const tally = { answered: 0, invalid: 0, onDemand: 0, costUsd: 0 };
    for (const s of await this.sent(batchId)) {
      const customerId = customerOfJob(s.jobId)!;
      const out = outputs.get(s.recordId);
      if (!out || out.modelOutput === undefined) {
        // Not answered (failed half-way, stopped, an error record): the same job, on demand, not yet charged.
        await deps.queue.send({ kind: 'insights.analyze', customerId, jobId: s.jobId });
        tally.onDemand++;
        continue;
      }
      const read = readBatchOutput(out.modelOutput, s.input);
      let result: JobResult | undefined;
      await deps.runner.settle(customerId, s.jobId, async (job: AnalysisJob) => {
        result = await deps.analyses.finishFromBatch(job, s, read.usage, 'answer' in read ? { answer: read.answer } : { reason: read.reason }, record.jobArn!);
        return result;
      });
      if (!result) continue; // done by an earlier delivery of this poll
      tally.costUsd += result.costUsd;
      if ('answer' in read) {
        tally.answered++;
      } else {
        // Charged as it was billed; the customer's reading is asked again on demand, with its repair.
        tally.invalid++;
        if ((await deps.refresh.request(customerId, 'batch')).created) tally.onDemand++;
      }
    }
    await deps.batches.putInference(batchId, {
      ...record,
      status,
      answered: record.answered + tally.answered,
      invalid: record.invalid + tally.invalid,
      onDemand: record.onDemand + tally.onDemand,
      costUsd: Math.round((record.costUsd + tally.costUsd) * 1e6) / 1e6,
      finishedAt: new Date(deps.now()).toISOString(),
    });
    console.log(JSON.stringify({ level: 'info', msg: 'batch inference read', batchId, jobArn: record.jobArn, status, ...tally }));
    await this.cleanUp(batchId);
  }

  /** The batch's objects go once read: they hold pseudonymous inputs, kept no longer than needed. */
  private async cleanUp(batchId: string): Promise<void> {
    for (const key of await this.keys(this.prefix(batchId))) await this.deps.s3.send(new DeleteObjectCommand({ Bucket: this.deps.settings.bucket, Key: key }));
  }
}
