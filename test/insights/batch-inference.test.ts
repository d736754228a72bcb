import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiSettings } from '../../src/config/env.ts';
import { costOf } from '../../src/insights/pricing.ts';
import { startBatchServer, type BatchServer } from '../../src/local/bedrock-batch-server.ts';
import { generateDemoData } from '../../src/local/demo-data.ts';
import { startLocalS3, type LocalS3 } from '../../src/local/s3-server.ts';
import { loadDemoData } from '../../src/local/seed.ts';
import { client, type Client } from '../support/app.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';
import { autoAnswer } from '../support/plausible-answer.ts';
import { startDynaliteStores, type TestStores } from '../support/stores.ts';

/**
 * The daily batch through Bedrock batch inference, end to end through the real SDK clients: the batch pages
 * write JSONL to S3 (s3rver), CreateModelInvocationJob goes to the control-plane stand-in, which runs each
 * record on the Converse stand-in and writes the output back to S3; the poll reads it, validates it, charges
 * it at batch prices and stores the answers. Each case runs with another model, so the analyses of the case
 * before are not current and the whole population goes through the batch again.
 */
const NOW = Date.parse('2026-11-22T12:00:00Z');
let clock = NOW;
let stores: TestStores;
let converse: ConverseServer;
let s3: LocalS3;
let s3Client: S3Client;
let batch: BatchServer;
const BUCKET = 'cadence-batch-eu-central-1';

beforeAll(async () => {
  [stores, converse, s3] = await Promise.all([startDynaliteStores(), startConverseServer(), startLocalS3([BUCKET, 'cadence-batch-us-east-1'])]);
  converse.autoAnswer = autoAnswer;
  s3Client = s3.client();
  batch = await startBatchServer({ s3: s3Client, runtimeEndpoint: converse.endpoint });
  await loadDemoData(stores.endpoints, generateDemoData({ customers: 90, now: NOW }));
  // Predictions for everyone, and statistical analyses (no model configured) that every model batch redoes.
  const plain = client(stores, { now: () => clock });
  await plain.call('POST', '/v1/ops/refit?jurisdiction=EU', { key: stores.adminKey });
  await plain.queues.get('eu-central-1')!.drain();
}, 60_000);
afterAll(async () => {
  await batch?.close();
  await s3?.close();
  await converse?.close();
  await stores?.close();
});

function app(modelId: string, minRecords = 5): Client {
  const ai: AiSettings = {
    // s3rver knows one key pair; the Bedrock stand-ins take any.
    bedrock: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, endpoint: converse.endpoint, modelId },
    budgets: { dailyUsd: 1000, monthlyUsd: 10_000 },
    batch: { bucket: 'cadence-batch-{region}', roleArn: 'arn:aws:iam::000000000000:role/cadence-batch', minRecords, deadlineHours: 20, pollSeconds: 60, controlEndpoint: batch.endpoint, s3Endpoint: s3.endpoint },
  };
  return client(stores, { now: () => clock, ai, bedrockClientOptions: { requestHandler: new NodeHttpHandler(), maxAttempts: 2 } });
}

async function runBatch(api: Client, batchId: string, beforePoll?: () => void) {
  const queue = api.queues.get('eu-central-1')!;
  converse.requests.length = 0;
  converse.reported.length = 0;
  const bulk = api.bulkQueues.get('eu-central-1')!;
  const started = await api.call('POST', '/v1/ops/jobs?jurisdiction=EU', { key: stores.adminKey, body: { type: 'insights.batch', key: batchId.replace(/^eu-/, '') } });
  expect(started.status).toBe(202);
  await bulk.drain(5000);
  if (beforePoll) {
    // Run the pages and the submit only, then change the world before the first poll.
    for (let i = 0; i < 20 && !queue.sent.some((m) => m.kind === 'insights.inference' && m.step === 'poll' && m.batchId === batchId); i++) await queue.drain(1).catch(() => {});
    beforePoll();
  }
  await queue.drain(5000);
  await bulk.drain(5000);
  await queue.drain(5000);
  return (await api.call('GET', `/v1/ops/insight-batches/${batchId}`, { key: stores.adminKey, region: 'us-east-1' })).body;
}

const ledger = async () => (await stores.scanAll('EU')).filter((i) => String(i.itemKey).startsWith('ledger#'));
const objects = async () => (await s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [];

describe('daily batch through Bedrock batch inference', () => {
  it('submits one job, reads its JSONL output back and charges every record at batch prices', async () => {
    const MODEL = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';
    const api = app(MODEL);
    const report = await runBatch(api, 'eu-batch-1');
    expect(report.enqueued).toBeGreaterThan(10);
    expect(report.inference).toMatchObject({ mode: 'batch', status: 'Completed', invalid: 0, onDemand: 0 });
    const job = [...batch.jobs.values()].find((j) => j.jobArn === report.inference.jobArn)!;
    expect(job).toMatchObject({ modelId: MODEL, status: 'Completed', input: `s3://${BUCKET}/batch/eu-batch-1/input/` });
    // Every record was one model call by the batch, none on demand; those with too little history were not sent.
    const records = report.inference.records as number;
    expect(records).toBe(job.records.total);
    expect(report.inference.answered).toBe(records);
    expect(converse.requests).toHaveLength(records);
    expect(records).toBeLessThanOrEqual(report.enqueued);

    const lines = (await ledger()).filter((l) => l.inferenceJob === job.jobArn);
    expect(lines).toHaveLength(records);
    for (const l of lines) expect(l).toMatchObject({ mode: 'batch', modelId: MODEL, outcome: 'answer', calls: 1, pricePerMillion: { input: 0.5, output: 2.5 } });
    // The ledger holds exactly what the stand-in reported, priced at half the on-demand rate.
    const sum = (k: 'inputTokens' | 'outputTokens') => lines.reduce((s, l) => s + (l[k] as number), 0);
    expect(sum('inputTokens')).toBe(converse.reported.reduce((s, r) => s + r.inputTokens, 0));
    expect(sum('outputTokens')).toBe(converse.reported.reduce((s, r) => s + r.outputTokens, 0));
    const batchCost = lines.reduce((s, l) => s + (l.costUsd as number), 0);
    expect(report.inference.costUsd).toBeCloseTo(batchCost, 6);
    const onDemand = costOf(MODEL, { inputTokens: sum('inputTokens'), outputTokens: sum('outputTokens') });
    expect(batchCost).toBeCloseTo(onDemand / 2, 4);

    // The answers are served as the model's; the files Bedrock read named no customer.
    const someone = String(lines[0]!.customerId);
    expect((await api.call('GET', `/v1/customers/${someone}/insights`, { key: stores.adminKey })).body).toMatchObject({ source: 'bedrock', modelId: MODEL });
    expect(JSON.stringify(converse.requests)).not.toMatch(/cus_|job_/);
    // Read, so deleted: nothing of the batch stays in the bucket.
    expect(await objects()).toHaveLength(0);
    // A redelivered poll or submit changes nothing and charges nothing again.
    const queue = api.queues.get('eu-central-1')!;
    await queue.send({ kind: 'insights.inference', step: 'poll', batchId: 'eu-batch-1' });
    await queue.send({ kind: 'insights.inference', step: 'submit', batchId: 'eu-batch-1' });
    await queue.drain();
    expect((await ledger()).filter((l) => l.inferenceJob === job.jobArn)).toHaveLength(records);
  }, 120_000);

  it('charges what a job that failed half-way answered, sends the rest on demand, and asks again for a malformed record', async () => {
    const MODEL = 'eu.anthropic.claude-3-haiku-20240307-v1:0';
    const api = app(MODEL);
    batch.failAfter = 6;
    // The first record's answer does not validate (no summary, a confidence out of range).
    converse.script.push({ kind: 'answer', input: { hh: { r: 'x', c: 400 }, se: ['y', [], 10], ps: ['low', []] } });
    let report;
    try {
      report = await runBatch(api, 'eu-batch-2');
    } finally {
      batch.failAfter = undefined;
    }
    const records = report.inference.records as number;
    expect(report.inference).toMatchObject({ mode: 'batch', status: 'Failed', answered: 5, invalid: 1 });
    // The records after the failure, and the malformed one's customer, went on demand.
    expect(report.inference.onDemand).toBe(records - 6 + 1);
    const job = [...batch.jobs.values()].find((j) => j.jobArn === report.inference.jobArn)!;
    const all = (await ledger()).filter((l) => l.modelId === MODEL);
    const batched = all.filter((l) => l.inferenceJob === job.jobArn);
    expect(batched).toHaveLength(6);
    for (const l of batched) expect(l).toMatchObject({ mode: 'batch', pricePerMillion: { input: 0.125, output: 0.625 } });
    const malformed = batched.find((l) => l.outcome === 'invalid_answer')!;
    expect(malformed.costUsd).toBeCloseTo(costOf(MODEL, { inputTokens: malformed.inputTokens as number, outputTokens: malformed.outputTokens as number }, 'batch'), 6);
    const onDemand = all.filter((l) => l.mode === undefined);
    expect(onDemand).toHaveLength(records - 6 + 1);
    for (const l of onDemand) expect(l).toMatchObject({ outcome: 'answer', pricePerMillion: { input: 0.25, output: 1.25 } });
    // The malformed record's customer: charged once in the batch, then answered on demand.
    expect(onDemand.some((l) => l.customerId === malformed.customerId)).toBe(true);
    expect((await api.call('GET', `/v1/customers/${String(malformed.customerId)}/insights`, { key: stores.adminKey })).body).toMatchObject({ source: 'bedrock', modelId: MODEL });
    // One call per record the job ran, one per on-demand job, nothing more.
    expect(converse.requests).toHaveLength(6 + onDemand.length);
  }, 120_000);

  it('stops a job that has not finished by the deadline and runs its records on demand', async () => {
    const MODEL = 'eu.anthropic.claude-3-5-haiku-20241022-v1:0';
    const api = app(MODEL);
    batch.hold = true;
    let report;
    try {
      report = await runBatch(api, 'eu-batch-3', () => {
        clock += 21 * 3600_000; // past the 20-hour deadline
      });
    } finally {
      batch.hold = false;
    }
    expect(report.inference).toMatchObject({ mode: 'batch', status: 'Stopped', answered: 0, onDemand: report.inference.records });
    expect([...batch.jobs.values()].find((j) => j.jobArn === report.inference.jobArn)!.status).toBe('Stopped');
    const lines = (await ledger()).filter((l) => l.modelId === MODEL);
    expect(lines).toHaveLength(report.inference.records);
    for (const l of lines) expect(l.mode).toBeUndefined();
    expect(await objects()).toHaveLength(0);
  }, 120_000);

  it('runs a day below the minimum record count on demand', async () => {
    const MODEL = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';
    // Back to Haiku 4.5 after other models: every customer is due again, but the minimum is above them all.
    const api = app(MODEL, 10_000);
    const jobsBefore = batch.jobs.size;
    const report = await runBatch(api, 'eu-batch-4');
    expect(report.inference).toMatchObject({ mode: 'on_demand', status: 'queued', onDemand: report.inference.records });
    expect(batch.jobs.size).toBe(jobsBefore);
    expect(converse.requests).toHaveLength(report.inference.records);
  }, 120_000);
});
