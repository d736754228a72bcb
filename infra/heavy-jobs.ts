import { Duration, type Stack } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Region } from '../src/regions/region.schema.ts';
import { RECOMMENDATIONS_CRON, REFIT_CRON, SEGMENT_CRON } from '../src/regions/wrangler-config.ts';
import { GLOBAL_TABLES, JURISDICTION_TABLES } from '../src/storage/tables.ts';

export interface HeavyJobsProps {
  home: Region;
  account: string;
  codeDir: string;
}

/** Memory of the heavy-job function: ~730 MB at 1,000,000 customers today (decision 99), with room. */
export const HEAVY_JOB_MEMORY_MB = 3008;
/**
 * V8's old-space cap for it (decision 143): three quarters of the memory, the rest for what lives outside
 * the old space (code, buffers, the young generation: about 100 MiB above a 640 MiB cap in bench:refit).
 * Uncapped, V8 grows the heap lazily toward its own default instead of collecting (1,012 MiB RSS against
 * 737 MiB capped for the same 563 MiB live heap), which on a Lambda ends at the memory limit.
 */
export const HEAVY_JOB_HEAP_MB = Math.floor(HEAVY_JOB_MEMORY_MB * 0.75);

/** `17 3 * * *` (a Workers cron) as an EventBridge schedule, so both run the job at the same minute. */
const scheduleOf = (cron: string) => {
  const [minute, hour] = cron.split(' ');
  return Schedule.cron({ minute: minute!, hour: hour! });
};

/**
 * The heavy jobs of a jurisdiction (decision 99): src/heavy.ts as a Lambda function in its home region,
 * next to its tables, run by EventBridge at the Workers' cron minutes (the Workers then leave these jobs
 * alone: CADENCE_HEAVY_JOBS=lambda). Asynchronous invocation retries twice; a retry continues the day's
 * job from its pages not counted, and the Workers' sweep resumes one that went quiet.
 */
export function heavyJobs(stack: Stack, props: HeavyJobsProps): LambdaFunction {
  const { home, account } = props;
  const privacyKey = Secret.fromSecretNameV2(stack, 'HeavyJobsPrivacyKey', `cadence/${home.jurisdiction.toLowerCase()}/privacy-key`);
  const fn = new LambdaFunction(stack, 'HeavyJobs', {
    functionName: `cadence-${home.jurisdiction.toLowerCase()}-heavy-jobs`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    handler: 'index.handler',
    code: Code.fromAsset(props.codeDir),
    memorySize: HEAVY_JOB_MEMORY_MB,
    timeout: Duration.minutes(15),
    environment: { CADENCE_REGION: home.id, CADENCE_PRIVACY_KEY: privacyKey.secretValue.unsafeUnwrap(), NODE_OPTIONS: `--max-old-space-size=${HEAVY_JOB_HEAP_MB}` },
  });
  const arns = (names: string[]) => names.flatMap((n) => [`arn:aws:dynamodb:${home.awsRegion}:${account}:table/${n}`, `arn:aws:dynamodb:${home.awsRegion}:${account}:table/${n}/index/*`]);
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      resources: arns([...JURISDICTION_TABLES.map((k) => home.tables[k]), ...GLOBAL_TABLES.map((k) => home.tables[k])]),
    }),
  );
  for (const [id, cron, type] of [
    ['Refit', REFIT_CRON, 'predictions.refit'],
    ['RecommendationsRebuild', RECOMMENDATIONS_CRON, 'recommendations.rebuild'],
    ['SegmentRun', SEGMENT_CRON, 'segments.run'],
  ] as const) {
    new Rule(stack, `HeavyJob-${id}`, {
      ruleName: `cadence-${home.jurisdiction.toLowerCase()}-${id.toLowerCase()}`,
      schedule: scheduleOf(cron),
      targets: [new LambdaTarget(fn, { event: RuleTargetInput.fromObject({ type }), retryAttempts: 2 })],
    });
  }
  return fn;
}
