import type { Region } from './region.schema.ts';

export const COMPATIBILITY_DATE = '2026-04-01';
/** Daily population refit (UTC), run by each jurisdiction's home region. */
export const REFIT_CRON = '17 3 * * *';
/** Daily segment run (UTC), after the refit, by each jurisdiction's home region. */
export const SEGMENT_CRON = '47 3 * * *';
export const workerName = (regionId: string) => `cadence-${regionId}`;
export const bindingName = (regionId: string) => `REGION_${regionId.replaceAll('-', '_').toUpperCase()}`;

/** The other jurisdiction's regions a deployment forwards to, home first: its service bindings. */
export function peerRegions(list: readonly Region[], region: Region): Region[] {
  const others = list.filter((r) => r.jurisdiction !== region.jurisdiction);
  return others.sort((a, b) => Number(b.home) - Number(a.home) || a.id.localeCompare(b.id));
}

/**
 * wrangler.toml, rendered from the region files. Environments do not inherit vars or bindings, so each
 * one lists its own. Secrets (CADENCE_JWT_SECRET, AWS keys) are set with `wrangler secret put --env …`.
 */
export function renderWranglerToml(list: readonly Region[]): string {
  const lines = [
    '# Generated from regions/*.ts by `npm run gen:wrangler`. Do not edit: a test fails when the two drift apart.',
    'name = "cadence"',
    'main = "src/worker.ts"',
    `compatibility_date = "${COMPATIBILITY_DATE}"`,
    'compatibility_flags = ["nodejs_compat"]',
    '',
  ];
  for (const region of list) {
    lines.push(
      `[env.${region.id}]`,
      `name = "${workerName(region.id)}"`,
      `placement = { mode = "targeted", region = "${region.placement}" }`,
      '',
      `[env.${region.id}.vars]`,
      `CADENCE_REGION = "${region.id}"`,
      '',
      `[env.${region.id}.triggers]`,
      `crons = ["${REFIT_CRON}", "${SEGMENT_CRON}"]`,
      '',
    );
    for (const peer of peerRegions(list, region)) {
      lines.push(`[[env.${region.id}.services]]`, `binding = "${bindingName(peer.id)}"`, `service = "${workerName(peer.id)}"`, '');
    }
  }
  return lines.join('\n');
}
