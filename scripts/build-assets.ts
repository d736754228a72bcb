/**
 * Copies the static assets the Worker serves (the API reference's script, the operator page's files) into
 * dist/assets, where wrangler and Miniflare pick them up. Run by the Worker build.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scalarStandalonePath } from '../src/hosting/docs-asset.ts';
import { DOCS_SCRIPT_PATH } from '../src/http/docs.ts';
import { assetUrl, DASHBOARD_ASSETS, type DashboardAssetName } from '../src/dashboard/assets.ts';
import { dashboardAssetPath } from '../src/hosting/dashboard-assets.ts';
import { ASSETS_DIRECTORY } from '../src/regions/wrangler-config.ts';

export function buildAssets(root = new URL('../', import.meta.url).pathname): string {
  const target = join(root, ASSETS_DIRECTORY, DOCS_SCRIPT_PATH);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(scalarStandalonePath(), target);
  // The operator page's chart library, script and styles, at the paths the page names.
  for (const name of Object.keys(DASHBOARD_ASSETS) as DashboardAssetName[]) {
    const file = join(root, ASSETS_DIRECTORY, assetUrl(name));
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(dashboardAssetPath(name), file);
  }
  return join(root, ASSETS_DIRECTORY);
}

if (process.argv[1] === new URL(import.meta.url).pathname) console.log(`assets in ${buildAssets()}`);
