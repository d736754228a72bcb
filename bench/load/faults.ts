/**
 * Faults 2 and 3. Bedrock (the Converse stand-in) answering only throttles and 5xx: analyses asked for
 * meanwhile end statistical with a fallback reason, and no caller sees a 5xx. Kinesis (the EU
 * kinesalite) stopped: purchases are still accepted, and once it is back the live figures catch up with
 * every line accepted meanwhile (the outbox is drained into the stream, the consumer applies it).
 */
import type { Behaviour } from '../../test/support/converse-server.ts';
import { EDGE_REGION_HEADER } from '../../src/hosting/edge-router.ts';
import { purchaseBody } from './mix.ts';
import { paced } from './fault-store.ts';
import type { LoadStack } from './stack.ts';

const edgeOf = (customerId: string) => (customerId.startsWith('cus_eu_') ? 'eu-central-1' : 'us-east-1');

/** Fallback reasons that mean "Bedrock did not answer": the breaker open, errors and throttles, timeouts. */
export const BEDROCK_FAILED: readonly string[] = ['unavailable', 'circuit_open', 'timeout'];

export interface BedrockFaultReport {
  analyses: number;
  statistical: number;
  fallbackReasons: Record<string, number>;
  bedrockCallsRefused: number;
  /** Each job's outcome: customer, status, source, fallback reason. */
  jobs: { customerId: string; status?: string; source?: string; fallbackReason?: string }[];
  fiveXX: number;
  ok: boolean;
}

export async function bedrockOutage(stack: LoadStack, customers: readonly string[]): Promise<BedrockFaultReport> {
  const admin = { authorization: `Bearer ${stack.keys.admin}` };
  const failures: Behaviour[] = [
    { kind: 'error', status: 429, type: 'ThrottlingException' },
    { kind: 'error', status: 500, type: 'InternalServerException' },
    { kind: 'error', status: 503, type: 'ServiceUnavailableException' },
  ];
  stack.bedrock.script.push(...Array.from({ length: 2000 }, (_, i) => failures[i % failures.length]!));
  const before = stack.bedrock.requests.length;
  let fiveXX = 0;
  const jobs: { jobId: string; customerId: string }[] = [];
  const results: { customerId: string; status?: string; source?: string; fallbackReason?: string }[] = [];
  for (const customerId of customers) {
    const res = await fetch(`${stack.url}/v1/customers/${customerId}/insights/refresh`, { method: 'POST', headers: { ...admin, [EDGE_REGION_HEADER]: edgeOf(customerId) } });
    if (res.status >= 500) fiveXX++;
    const body = (await res.json()) as { jobId?: string };
    if (res.status === 202 && body.jobId) jobs.push({ jobId: body.jobId, customerId });
    else results.push({ customerId, status: `refresh answered ${res.status}` });
  }
  for (const job of jobs) {
    for (let i = 0; ; i++) {
      const res = await fetch(`${stack.url}/v1/jobs/${job.jobId}`, { headers: { ...admin, [EDGE_REGION_HEADER]: edgeOf(job.customerId) } });
      if (res.status >= 500) fiveXX++;
      const body = (await res.json()) as { status?: string; result?: { source: string; fallbackReason?: string } };
      if (body.status === 'done' || body.status === 'failed' || i > 600) {
        results.push({ customerId: job.customerId, ...(body.status ? { status: body.status } : {}), ...body.result });
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const insights = await fetch(`${stack.url}/v1/customers/${job.customerId}/insights`, { headers: { ...admin, [EDGE_REGION_HEADER]: edgeOf(job.customerId) } });
    await insights.arrayBuffer();
    if (insights.status >= 500) fiveXX++;
  }
  const refused = stack.bedrock.requests.length - before;
  stack.bedrock.script.length = 0;
  const fallbackReasons: Record<string, number> = {};
  for (const r of results) if (r.fallbackReason) fallbackReasons[r.fallbackReason] = (fallbackReasons[r.fallbackReason] ?? 0) + 1;
  // Only a fallback because Bedrock failed counts (not, say, a customer without profiling consent).
  const statistical = results.filter((r) => r.source === 'statistical' && BEDROCK_FAILED.includes(r.fallbackReason ?? '')).length;
  return { analyses: results.length, statistical, fallbackReasons, bedrockCallsRefused: refused, jobs: results, fiveXX, ok: fiveXX === 0 && results.length === customers.length && statistical === results.length && refused > 0 };
}

export interface KinesisFaultReport {
  linesAccepted: number;
  refused: number;
  fiveXX: number;
  liveDuringOutage: number;
  deliveredAfter: number;
  catchUpSeconds: number;
  ok: boolean;
}

export async function kinesisOutage(stack: LoadStack, euCustomers: readonly string[], seconds: number): Promise<KinesisFaultReport> {
  const live = async () => {
    const res = await fetch(`${stack.url}/v1/ops/live?jurisdiction=EU`, { headers: { authorization: `Bearer ${stack.keys.admin}` } });
    return ((await res.json()) as { linesLastHour: number }).linesLastHour;
  };
  // Settled: what earlier runs sent has been applied.
  let before = await live();
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await live();
    if (now === before) break;
    before = now;
  }
  await stack.kinesis.stop('eu-central-1');
  let n = 0;
  const statuses = await paced(5, seconds, async (i) => {
    const res = await fetch(`${stack.url}/v1/purchases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.keys.ingest}`, 'content-type': 'application/json', [EDGE_REGION_HEADER]: 'eu-central-1' },
      body: purchaseBody(stack.data, euCustomers[i % euCustomers.length]!, `fault-kinesis-${n++}`),
    });
    await res.arrayBuffer();
    return res.status;
  });
  const accepted = statuses.filter((s) => s >= 200 && s < 300).length;
  const during = (await live()) - before;
  await stack.kinesis.start('eu-central-1');
  const t0 = performance.now();
  let delivered = during;
  while (delivered < accepted && performance.now() - t0 < 90_000) {
    await new Promise((r) => setTimeout(r, 250));
    delivered = (await live()) - before;
  }
  const fiveXX = statuses.filter((s) => s >= 500).length;
  return {
    linesAccepted: accepted,
    refused: statuses.length - accepted,
    fiveXX,
    liveDuringOutage: during,
    deliveredAfter: delivered,
    catchUpSeconds: Math.round((performance.now() - t0) / 100) / 10,
    ok: fiveXX === 0 && accepted === statuses.length && delivered >= accepted,
  };
}
