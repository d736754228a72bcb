import { z } from 'zod';
import { API_KEY_PATTERN } from '../auth/api-keys.ts';
import { RateLimitEnv } from '../ratelimit/limits.ts';
import { testAccountRule } from '../predictions/test-accounts.ts';

/** Comma-separated test-account patterns (`id:<glob>`, `email:<glob>`), checked when the process starts. */
export const TestAccounts = z
  .string()
  .optional()
  .superRefine((v, ctx) => {
    try {
      testAccountRule(splitList(v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/**
 * AI analysis settings, read by the Node entry and the Worker alike. Without Bedrock credentials every
 * analysis is statistical (the local default); BEDROCK_ENDPOINT points the real SDK client at a local
 * stand-in; BEDROCK_MODEL_ID overrides the region file's model (for example the legacy Claude 3 Haiku).
 */
export const AiEnv = z.object({
  BEDROCK_ACCESS_KEY_ID: z.string().min(1).optional(),
  BEDROCK_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  BEDROCK_SESSION_TOKEN: z.string().min(1).optional(),
  BEDROCK_ENDPOINT: z.url().optional(),
  BEDROCK_MODEL_ID: z.string().min(1).optional(),
  CADENCE_AI_DAILY_BUDGET_USD: z.coerce.number().nonnegative().default(50),
  CADENCE_AI_MONTHLY_BUDGET_USD: z.coerce.number().nonnegative().default(1000),
  /** Bedrock batch inference for the daily batch: the bucket (`{region}` is the Bedrock region) and the service role. */
  CADENCE_BATCH_BUCKET: z.string().regex(/^[a-z0-9.{}-]{3,63}$/, 'an S3 bucket name, optionally with {region}').optional(),
  CADENCE_BATCH_ROLE_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
  CADENCE_BATCH_MIN_RECORDS: z.coerce.number().int().min(1).default(100),
  CADENCE_BATCH_DEADLINE_HOURS: z.coerce.number().positive().max(24).default(20),
  CADENCE_BATCH_POLL_SECONDS: z.coerce.number().int().min(1).max(43_200).default(600),
  /** Local stand-ins for the Bedrock control plane and S3 (npm start and the tests set them). */
  BEDROCK_CONTROL_ENDPOINT: z.url().optional(),
  CADENCE_S3_ENDPOINT: z.url().optional(),
});
export type AiEnv = z.infer<typeof AiEnv>;

export interface AiSettings {
  bedrock?: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; endpoint?: string; modelId?: string };
  budgets: { dailyUsd: number; monthlyUsd: number };
  /** Bedrock batch inference for the daily batch (with `bedrock` only). */
  batch?: BatchSettings;
}

export interface BatchSettings {
  /** The bucket name; `{region}` becomes the deployment's Bedrock region (the jurisdiction's data stays there). */
  bucket: string;
  roleArn: string;
  minRecords: number;
  deadlineHours: number;
  pollSeconds: number;
  controlEndpoint?: string;
  s3Endpoint?: string;
  /** For a local S3-compatible server with keys of its own (s3rver); otherwise the Bedrock credentials. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function aiSettings(env: AiEnv): AiSettings {
  const budgets = { dailyUsd: env.CADENCE_AI_DAILY_BUDGET_USD, monthlyUsd: env.CADENCE_AI_MONTHLY_BUDGET_USD };
  if (!env.BEDROCK_ACCESS_KEY_ID || !env.BEDROCK_SECRET_ACCESS_KEY) return { budgets };
  return {
    budgets,
    bedrock: {
      credentials: {
        accessKeyId: env.BEDROCK_ACCESS_KEY_ID,
        secretAccessKey: env.BEDROCK_SECRET_ACCESS_KEY,
        ...(env.BEDROCK_SESSION_TOKEN ? { sessionToken: env.BEDROCK_SESSION_TOKEN } : {}),
      },
      ...(env.BEDROCK_ENDPOINT ? { endpoint: env.BEDROCK_ENDPOINT } : {}),
      ...(env.BEDROCK_MODEL_ID ? { modelId: env.BEDROCK_MODEL_ID } : {}),
    },
    ...(env.CADENCE_BATCH_BUCKET && env.CADENCE_BATCH_ROLE_ARN
      ? {
          batch: {
            bucket: env.CADENCE_BATCH_BUCKET,
            roleArn: env.CADENCE_BATCH_ROLE_ARN,
            minRecords: env.CADENCE_BATCH_MIN_RECORDS,
            deadlineHours: env.CADENCE_BATCH_DEADLINE_HOURS,
            pollSeconds: env.CADENCE_BATCH_POLL_SECONDS,
            ...(env.BEDROCK_CONTROL_ENDPOINT ? { controlEndpoint: env.BEDROCK_CONTROL_ENDPOINT } : {}),
            ...(env.CADENCE_S3_ENDPOINT ? { s3Endpoint: env.CADENCE_S3_ENDPOINT } : {}),
          },
        }
      : {}),
  };
}

/**
 * Every environment variable the Node side reads (the Worker reads its bindings in src/worker.ts).
 * Parsed once; a bad value stops start-up with every problem listed.
 */
const NodeEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** The address the Node server listens on; loopback unless you mean to expose it. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** The local stack's stores listen here and on the next two ports (EU, ROW, global); unset: free ports. */
  CADENCE_STORE_PORT: z.coerce.number().int().min(1024).max(65533).optional(),
  CADENCE_ADMIN_KEY: z.string().regex(API_KEY_PATTERN, 'must look like cad_<8-32 of a-z0-9>_<24-128 letters or digits>').optional(),
  CADENCE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CADENCE_PRIVACY_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CADENCE_DATA_DIR: z.string().min(1).default('.data'),
  CADENCE_DEMO_CUSTOMERS: z.coerce.number().int().min(0).max(100_000).default(400),
  CADENCE_EDGE_REGION: z.string().default('us-east-1'),
  /** Local stack: kinesalite, event publishing and the live-analytics consumers. */
  CADENCE_STREAMING: z.enum(['on', 'off']).default('on'),
  CADENCE_REGIONS: z.string().optional(),
  CADENCE_CORS_ORIGINS: z.string().optional(),
  CADENCE_TEST_ACCOUNTS: TestAccounts,
  CADENCE_PEER_URL_EU: z.url().optional(),
  CADENCE_PEER_URL_ROW: z.url().optional(),
  DYNAMODB_ENDPOINT_EU: z.url().optional(),
  DYNAMODB_ENDPOINT_ROW: z.url().optional(),
  DYNAMODB_ENDPOINT_GLOBAL: z.url().optional(),
  /** Every customer token's rate limit, per token subject: a tier, `<perSecond>/<burst>`, or `off`. */
  CADENCE_STOREFRONT_RATE_LIMIT: RateLimitEnv.optional(),
}).extend(AiEnv.shape);

export type NodeEnv = z.infer<typeof NodeEnv>;

/** A comma-separated setting (regions, origins) as a list, blanks dropped. */
export const splitList = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function parseNodeEnv(env: Record<string, string | undefined>): NodeEnv {
  const result = NodeEnv.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** What the stream consumer's Lambda function reads (set by the CDK app). */
const LambdaEnv = z.object({
  /** The deployment region whose events table the consumer writes (the jurisdiction's home). */
  CADENCE_REGION: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
  CADENCE_PRIVACY_KEY: z.string().min(32, 'must be at least 32 characters'),
});
export type LambdaEnv = z.infer<typeof LambdaEnv>;

export function parseLambdaEnv(env: Record<string, string | undefined>): LambdaEnv {
  const result = LambdaEnv.safeParse(env);
  if (!result.success) throw new Error(`invalid environment:\n${result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return result.data;
}
