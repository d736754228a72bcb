/**
 * Copies the static assets the Worker serves (the API reference's script, from its package) into
 * dist/assets, where wrangler and Miniflare pick them up. Run by the Worker build.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scalarStandalonePath } from '../src/hosting/docs-asset.ts';
import { DOCS_SCRIPT_PATH } from '../src/http/docs.ts';
import { ASSETS_DIRECTORY } from '../src/regions/wrangler-config.ts';

export function buildAssets(root = new URL('../', import.meta.url).pathname): string {
  const target = join(root, ASSETS_DIRECTORY, DOCS_SCRIPT_PATH);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(scalarStandalonePath(), target);
  return join(root, ASSETS_DIRECTORY);
}

if (process.argv[1] === new URL(import.meta.url).pathname) console.log(`assets in ${buildAssets()}`);
