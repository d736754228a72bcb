import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  /** An S3 client for this server (path-style, checksums only where S3 requires them, as s3rver expects). */
  client(region?: string): S3Client;
  close(): Promise<void>;
}

/** The S3 client options for an S3-compatible local server. */
export const localS3Options = (endpoint: string, region = 'eu-central-1') => ({
  region,
  endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED' as const,
  responseChecksumValidation: 'WHEN_REQUIRED' as const,
});

/**
 * s3rver (an S3-compatible server from the npm registry) with these buckets, storing objects in `directory`
 * (a fresh temporary folder when unset, removed on close). For batch inference's JSONL in and out.
 */
export async function startLocalS3(buckets: string[], options: { directory?: string; port?: number } = {}): Promise<LocalS3> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'cadence-s3-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory, allowMismatchedSignatures: true, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: (region) => new S3Client(localS3Options(endpoint, region)),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (temporary) rmSync(directory, { recursive: true, force: true });
    },
  };
}
