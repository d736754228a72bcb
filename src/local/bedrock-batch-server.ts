import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, ConverseCommand, type ContentBlock } from '@aws-sdk/client-bedrock-runtime';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A local stand-in for the Bedrock control plane's batch inference (REST-JSON, as `@aws-sdk/client-bedrock`
 * speaks it): `POST /model-invocation-job` (CreateModelInvocationJob), `GET /model-invocation-job/{id}`
 * (GetModelInvocationJob) and `POST /model-invocation-job/{id}/stop` (StopModelInvocationJob). Like the
 * service, a job reads every `.jsonl` object under its input S3 prefix (InvokeModel records in the Anthropic
 * Messages format: `{ recordId, modelInput }`), runs each record, and writes `<input name>.out` (`{ recordId,
 * modelInput, modelOutput }`, or `error` instead of `modelOutput`) and `manifest.json.out` under
 * `<output prefix>/<job id>/`, through the real S3 client (s3rver locally).
 *
 * Each record is run as the service would run it on the model: here it is translated into a Converse call
 * to `runtimeEndpoint` (a local server speaking the Bedrock Runtime protocol), so tests script batch
 * answers the way they script on-demand ones. Faults: `failAfter` fails a job after that many records
 * (their output is kept, as Bedrock keeps a failed job's partial output); `hold` keeps jobs in progress
 * until stopped. Never used in production.
 */
export interface BatchServer {
  endpoint: string;
  jobs: Map<string, BatchJobState>;
  /** Fail the next jobs after this many records (undefined: run them all). */
  failAfter?: number;
  /** Leave new jobs InProgress until they are stopped. */
  hold?: boolean;
  close(): Promise<void>;
}

export interface BatchJobState {
  jobArn: string;
  jobName: string;
  modelId: string;
  roleArn: string;
  clientRequestToken?: string;
  status: 'Submitted' | 'InProgress' | 'Completed' | 'PartiallyCompleted' | 'Failed' | 'Stopping' | 'Stopped' | 'Expired';
  message?: string;
  input: string;
  output: string;
  submitTime: string;
  lastModifiedTime: string;
  endTime?: string;
  timeoutDurationInHours: number;
  records: { total: number; processed: number; success: number; error: number };
}

const s3Url = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
};

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToString('utf8')) ?? '';
}

/** An Anthropic Messages request (InvokeModel body) as the equivalent Converse request. */
function converseOf(modelId: string, body: Record<string, unknown>): ConverseCommand {
  const b = body as {
    system?: { text: string }[] | string;
    messages: { role: 'user' | 'assistant'; content: { type: string; text?: string }[] | string }[];
    tools?: { name: string; input_schema: unknown }[];
    tool_choice?: { type: string; name?: string };
    max_tokens?: number;
    temperature?: number;
  };
  const system = typeof b.system === 'string' ? [{ text: b.system }] : (b.system ?? []).map((s) => ({ text: s.text }));
  return new ConverseCommand({
    modelId,
    system,
    messages: b.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? [{ text: m.content }] : m.content.map((c) => ({ text: c.text ?? '' })) })),
    ...(b.tools
      ? {
          toolConfig: {
            tools: b.tools.map((t) => ({ toolSpec: { name: t.name, inputSchema: { json: t.input_schema as never } } })),
            ...(b.tool_choice?.type === 'tool' && b.tool_choice.name ? { toolChoice: { tool: { name: b.tool_choice.name } } } : {}),
          },
        }
      : {}),
    inferenceConfig: { ...(b.max_tokens ? { maxTokens: b.max_tokens } : {}), ...(b.temperature !== undefined ? { temperature: b.temperature } : {}) },
  });
}

/** A Converse answer as the Anthropic Messages response an InvokeModel batch record carries. */
function messageOf(content: ContentBlock[], stopReason: string | undefined, usage: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number } | undefined) {
  return {
    id: `msg_${randomBytes(8).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    content: content.map((c) => (c.toolUse ? { type: 'tool_use', id: c.toolUse.toolUseId, name: c.toolUse.name, input: c.toolUse.input } : { type: 'text', text: c.text ?? '' })),
    stop_reason: stopReason,
    usage: {
      input_tokens: usage?.inputTokens ?? 0,
      output_tokens: usage?.outputTokens ?? 0,
      ...(usage?.cacheReadInputTokens ? { cache_read_input_tokens: usage.cacheReadInputTokens } : {}),
      ...(usage?.cacheWriteInputTokens ? { cache_creation_input_tokens: usage.cacheWriteInputTokens } : {}),
    },
  };
}

export async function startBatchServer(options: { s3: S3Client; runtimeEndpoint: string; port?: number }): Promise<BatchServer> {
  const runtime = new BedrockRuntimeClient({ region: 'eu-central-1', endpoint: options.runtimeEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
  const state: BatchServer = { endpoint: '', jobs: new Map(), close: async () => {} };
  const touch = (job: BatchJobState, status: BatchJobState['status'], message?: string) => {
    job.status = status;
    job.lastModifiedTime = new Date().toISOString();
    if (message) job.message = message;
    if (['Completed', 'PartiallyCompleted', 'Failed', 'Stopped', 'Expired'].includes(status)) job.endTime = job.lastModifiedTime;
  };

  async function run(job: BatchJobState, failAfter: number | undefined, hold: boolean): Promise<void> {
    const input = s3Url(job.input);
    const output = s3Url(job.output);
    const outPrefix = `${output.key.replace(/\/$/, '')}${output.key ? '/' : ''}${job.jobArn.split('/').at(-1)}/`;
    const listed = await options.s3.send(new ListObjectsV2Command({ Bucket: input.bucket, Prefix: input.key }));
    const files = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith('.jsonl'));
    const records: { file: string; line: Record<string, unknown> }[] = [];
    for (const file of files) {
      for (const raw of (await text(options.s3, input.bucket, file)).split('\n')) if (raw.trim()) records.push({ file, line: JSON.parse(raw) as Record<string, unknown> });
    }
    job.records.total = records.length;
    if (job.status !== 'Submitted') return; // stopped before it started
    touch(job, 'InProgress');
    if (hold) return; // until stopped
    const out = new Map<string, string[]>();
    let failed = false;
    for (const [i, { file, line }] of records.entries()) {
      if (failAfter !== undefined && i >= failAfter) {
        failed = true;
        break;
      }
      if ((job.status as string) === 'Stopping' || (job.status as string) === 'Stopped') break;
      const name = file.split('/').at(-1)!;
      let result: Record<string, unknown>;
      try {
        const res = await runtime.send(converseOf(job.modelId, line.modelInput as Record<string, unknown>));
        result = { recordId: line.recordId, modelInput: line.modelInput, modelOutput: messageOf(res.output?.message?.content ?? [], res.stopReason, res.usage) };
        job.records.success++;
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
        result = { recordId: line.recordId, modelInput: line.modelInput, error: { errorCode: status, errorMessage: String((err as Error).message ?? err) } };
        job.records.error++;
      }
      job.records.processed++;
      out.set(name, [...(out.get(name) ?? []), JSON.stringify(result)]);
    }
    for (const [name, lines] of out) await options.s3.send(new PutObjectCommand({ Bucket: output.bucket, Key: `${outPrefix}${name}.out`, Body: lines.join('\n') + '\n' }));
    const manifest = { totalRecordCount: job.records.total, processedRecordCount: job.records.processed, successRecordCount: job.records.success, errorRecordCount: job.records.error };
    await options.s3.send(new PutObjectCommand({ Bucket: output.bucket, Key: `${outPrefix}manifest.json.out`, Body: JSON.stringify(manifest) }));
    if ((job.status as string) === 'Stopping') touch(job, 'Stopped');
    else if (failed) touch(job, 'Failed', `failed after ${job.records.processed} of ${job.records.total} records (local fault)`);
    else touch(job, job.records.error > 0 ? 'PartiallyCompleted' : 'Completed');
  }

  const view = (j: BatchJobState) => ({
    jobArn: j.jobArn,
    jobName: j.jobName,
    modelId: j.modelId,
    roleArn: j.roleArn,
    ...(j.clientRequestToken ? { clientRequestToken: j.clientRequestToken } : {}),
    status: j.status,
    ...(j.message ? { message: j.message } : {}),
    submitTime: j.submitTime,
    lastModifiedTime: j.lastModifiedTime,
    ...(j.endTime ? { endTime: j.endTime } : {}),
    inputDataConfig: { s3InputDataConfig: { s3Uri: j.input, s3InputFormat: 'JSONL' } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: j.output } },
    timeoutDurationInHours: j.timeoutDurationInHours,
    totalRecordCount: j.records.total,
    processedRecordCount: j.records.processed,
    successRecordCount: j.records.success,
    errorRecordCount: j.records.error,
  });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://local');
      const find = (id: string) => state.jobs.get(decodeURIComponent(id)) ?? [...state.jobs.values()].find((j) => j.jobArn.endsWith(`/${decodeURIComponent(id)}`));
      try {
        if (req.method === 'POST' && url.pathname === '/model-invocation-job') {
          const b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
          if (!b.jobName || !b.modelId || !b.roleArn || !b.inputDataConfig?.s3InputDataConfig?.s3Uri || !b.outputDataConfig?.s3OutputDataConfig?.s3Uri) {
            return send(400, { message: 'jobName, modelId, roleArn, inputDataConfig and outputDataConfig are required' }, 'ValidationException');
          }
          const hours = b.timeoutDurationInHours ?? 168;
          if (hours < 24 || hours > 168) return send(400, { message: 'timeoutDurationInHours must be between 24 and 168' }, 'ValidationException');
          // The client request token makes a repeated create return the first job (idempotency).
          const again = b.clientRequestToken ? [...state.jobs.values()].find((j) => j.clientRequestToken === b.clientRequestToken) : undefined;
          if (again) return send(200, { jobArn: again.jobArn });
          const id = randomBytes(6).toString('hex');
          const at = new Date().toISOString();
          const job: BatchJobState = {
            jobArn: `arn:aws:bedrock:local:000000000000:model-invocation-job/${id}`,
            jobName: b.jobName,
            modelId: b.modelId,
            roleArn: b.roleArn,
            ...(b.clientRequestToken ? { clientRequestToken: b.clientRequestToken } : {}),
            status: 'Submitted',
            input: b.inputDataConfig.s3InputDataConfig.s3Uri,
            output: b.outputDataConfig.s3OutputDataConfig.s3Uri,
            submitTime: at,
            lastModifiedTime: at,
            timeoutDurationInHours: hours,
            records: { total: 0, processed: 0, success: 0, error: 0 },
          };
          state.jobs.set(job.jobArn, job);
          const failAfter = state.failAfter;
          const hold = state.hold ?? false;
          setImmediate(() => void run(job, failAfter, hold).catch((err) => touch(job, 'Failed', String(err))));
          return send(200, { jobArn: job.jobArn });
        }
        const stop = /^\/model-invocation-job\/(.+)\/stop$/.exec(url.pathname);
        if (req.method === 'POST' && stop) {
          const job = find(stop[1]!);
          if (!job) return send(404, { message: 'no such job' }, 'ResourceNotFoundException');
          if (!['Submitted', 'InProgress'].includes(job.status)) return send(400, { message: `cannot stop a job that is ${job.status}` }, 'ValidationException');
          // A held job has nothing running: it stops at once (its output is what it wrote: nothing).
          touch(job, 'Stopped', 'stopped by the caller');
          return send(200, {});
        }
        const get = /^\/model-invocation-job\/(.+)$/.exec(url.pathname);
        if (req.method === 'GET' && get) {
          const job = find(get[1]!);
          if (!job) return send(404, { message: 'no such job' }, 'ResourceNotFoundException');
          return send(200, view(job));
        }
        return send(404, { message: 'no such route' }, 'ResourceNotFoundException');
      } catch (err) {
        return send(500, { message: String(err) }, 'InternalServerException');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
