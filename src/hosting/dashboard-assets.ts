import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_ASSETS, type DashboardAssetName, type DashboardAssets } from '../dashboard/assets.ts';

/** Where each of the operator page's files is on disk: Chart.js from its package, the rest from src/dashboard/client. */
export function dashboardAssetPath(name: DashboardAssetName): string {
  if (name === 'chart.umd.min.js') return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  return fileURLToPath(new URL(`../dashboard/client/${name}`, import.meta.url));
}

/** The page's files read once from disk (Node entry and local stack). */
export function packagedDashboardAssets(): DashboardAssets {
  const bodies = new Map<DashboardAssetName, Promise<Buffer>>();
  return async (_request, name) => {
    let body = bodies.get(name);
    if (!body) bodies.set(name, (body = readFile(dashboardAssetPath(name))));
    return new Response(new Uint8Array(await body), { headers: { 'content-type': DASHBOARD_ASSETS[name], 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' } });
  };
}
