import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { RateLimitSetting } from '../ratelimit/limits.ts';
import { apiKeyKey } from '../storage/keys.ts';

export const Scope = z.enum([
  'admin',
  'customers:read',
  'customers:write',
  'purchases:read',
  'purchases:write',
  'predictions:read',
  'recommendations:read',
  'segments:read',
  'insights:read',
  'insights:write',
  'ops:read',
  'catalog:read',
  'catalog:write',
  'experiments:read',
  'experiments:write',
  'tokens:mint',
  'privacy:export',
  'privacy:erase',
  'privacy:read',
]);
export type Scope = z.infer<typeof Scope>;

/**
 * API keys look like `cad_<keyId>_<secret>`. The key id finds the record; the secret is checked by
 * comparing SHA-256 digests in constant time. Only the digest is stored.
 */
export const API_KEY_PATTERN = /^cad_([a-z0-9]{8,32})_([A-Za-z0-9]{24,128})$/;

export interface ApiKeyRecord {
  keyId: string;
  name: string;
  secretSha256: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt?: string;
  /** A tier, `unlimited`, or the key's own `{ perSecond, burst }`; unset: the tier its scopes call for. */
  rateLimit?: RateLimitSetting;
}

export interface ApiKeyRepository {
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  put(record: ApiKeyRecord): Promise<void>;
}

const ApiKeyItem = z.object({
  keyId: z.string(),
  name: z.string(),
  secretSha256: z.string(),
  scopes: z.array(Scope),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  // A setting this version cannot read falls back to the scopes' tier rather than failing every request.
  rateLimit: RateLimitSetting.optional().catch(undefined),
}) satisfies z.ZodType<ApiKeyRecord>;

export class DynamoApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(keyId: string) {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: apiKeyKey(keyId) }));
    return res.Item ? ApiKeyItem.parse(res.Item) : undefined;
  }

  async put(record: ApiKeyRecord) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...record, ...apiKeyKey(record.keyId) } }));
  }
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two equal-length strings without an early exit, so timing does not reveal a matching prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomString(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length); // bytes at or above this would bias the modulo
  const out: string[] = [];
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < limit && out.length < length) out.push(alphabet[b % alphabet.length]!);
    }
  }
  return out.join('');
}

export function generateApiKey(): string {
  return `cad_${randomString(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}_${randomString(40, ALNUM)}`;
}

/** The record to store for a key; the key itself is shown once and never stored. */
export async function apiKeyRecord(key: string, name: string, scopes: Scope[], now: string, rateLimit?: RateLimitSetting): Promise<ApiKeyRecord> {
  const m = API_KEY_PATTERN.exec(key);
  if (!m) throw new Error('an API key must look like cad_<keyId>_<secret> (keyId: 8-32 of a-z0-9, secret: 24-128 letters or digits)');
  return { keyId: m[1]!, name, secretSha256: await sha256Hex(m[2]!), scopes, createdAt: now, ...(rateLimit !== undefined ? { rateLimit } : {}) };
}
