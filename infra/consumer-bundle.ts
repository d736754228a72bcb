import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;

/**
 * Bundles the stream consumer's Lambda entry (src/lambda.ts) into one ESM file with esbuild, offline, so
 * that `cdk synth` (and the infra test) packages the same code the tests run. Returns the folder.
 */
export function bundleStreamConsumer(outDir = join(root, 'dist', 'lambda', 'stream-consumer')): string {
  return bundleLambda(join(root, 'src', 'lambda.ts'), outDir);
}

/** The heavy-job entry (src/heavy.ts: refit, recommendation rebuild), bundled the same way. */
export function bundleHeavyJobs(outDir = join(root, 'dist', 'lambda', 'heavy-jobs')): string {
  return bundleLambda(join(root, 'src', 'heavy.ts'), outDir);
}

function bundleLambda(entry: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [entry],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    // Some SDK dependencies are CommonJS that call require(): give the ESM bundle one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outDir;
}
