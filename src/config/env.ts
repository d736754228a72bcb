import { z } from 'zod';
import { API_KEY_PATTERN } from '../auth/api-keys.ts';

/**
 * Every environment variable the Node side reads (the Worker reads its bindings in src/worker.ts).
 * Parsed once; a bad value stops start-up with every problem listed.
 */
const NodeEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  CADENCE_ADMIN_KEY: z.string().regex(API_KEY_PATTERN, 'must look like cad_<8-32 of a-z0-9>_<24-128 letters or digits>').optional(),
  CADENCE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CADENCE_DATA_DIR: z.string().min(1).default('.data'),
  CADENCE_DEMO_CUSTOMERS: z.coerce.number().int().min(0).max(100_000).default(400),
  CADENCE_EDGE_REGION: z.string().default('us-east-1'),
  CADENCE_REGIONS: z.string().optional(),
  CADENCE_CORS_ORIGINS: z.string().optional(),
  CADENCE_PEER_URL_EU: z.url().optional(),
  CADENCE_PEER_URL_ROW: z.url().optional(),
  DYNAMODB_ENDPOINT_EU: z.url().optional(),
  DYNAMODB_ENDPOINT_ROW: z.url().optional(),
  DYNAMODB_ENDPOINT_GLOBAL: z.url().optional(),
});

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
