import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { regions } from '../regions/index.ts';
import { deploymentDeps } from './deps.ts';
import { StartableJobType } from './jobs/jobs.model.ts';
import { jobView, type TrackedJob } from './jobs/jobs.schemas.ts';
import { findRegion } from './regions/region-set.ts';

/** What the heavy-job entry reads: the home region it runs next to, the privacy key, local endpoints. */
const HeavyEnv = z.object({
  CADENCE_REGION: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
  CADENCE_PRIVACY_KEY: z.string().min(32, 'must be at least 32 characters'),
  /** Local stand-ins only (dynalite); unset on AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  DYNAMODB_GLOBAL_ENDPOINT: z.url().optional(),
});

/** The event (EventBridge's input, or the process's arguments): a job type, and the key that names the job (default: today). */
export const HeavyJobEvent = z.object({ type: StartableJobType, key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).optional() }).strict();
export type HeavyJobEvent = z.infer<typeof HeavyJobEvent>;

/**
 * Heavy jobs (decision 99): the refit, the segment run and the recommendation rebuild of a whole jurisdiction, where memory
 * is ample and the data is, tracked in the same job record. The same entry point runs as an AWS Lambda
 * function (infra/heavy-jobs.ts, on an EventBridge schedule) and as a local process:
 *   node --import tsx src/heavy.ts predictions.refit [key]
 * A second run with the same key (a Lambda retry, a re-run) continues the job from its pages not counted.
 */
export async function runHeavyJob(event: unknown, env: Record<string, string | undefined> = process.env): Promise<TrackedJob> {
  const vars = HeavyEnv.parse(env);
  const { type, key } = HeavyJobEvent.parse(event);
  const region = findRegion(regions, vars.CADENCE_REGION);
  if (!region) throw new Error(`CADENCE_REGION ${vars.CADENCE_REGION} has no file in regions/`);
  // Local stand-ins take any keys; on AWS the function's role signs (the SDK's default chain).
  const local = (endpoint: string | undefined) => (endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
  const deployment = deploymentDeps({
    region,
    personal: { region: region.awsRegion, ...local(vars.DYNAMODB_ENDPOINT) },
    global: { region: region.awsRegion, ...local(vars.DYNAMODB_GLOBAL_ENDPOINT) },
    peers: {},
    // No request is served here: the token secret is never used, so it is a random one.
    jwtSecret: randomBytes(32).toString('hex'),
    privacyKey: vars.CADENCE_PRIVACY_KEY,
  });
  const job = await deployment.services.jobs.run(type, { suffix: key ?? new Date().toISOString().slice(0, 10) });
  console.log(JSON.stringify({ level: job.status === 'failed' ? 'error' : 'info', msg: 'heavy job', jobId: job.id, type, status: job.status, pages: job.progress, items: job.items }));
  return jobView(job);
}

/** The Lambda handler (EventBridge delivers `{ type, key? }`). */
export const handler = (event: unknown) => runHeavyJob(event);

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [type, key] = process.argv.slice(2);
  runHeavyJob({ type, ...(key ? { key } : {}) }).then(
    (job) => {
      console.log(JSON.stringify(job, null, 2));
      process.exit(job.status === 'succeeded' ? 0 : 1);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
