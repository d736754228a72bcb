import type { Region } from './region.schema.ts';
import { wranglerRateLimits } from '../ratelimit/bindings.ts';

export const COMPATIBILITY_DATE = '2026-04-01';
/** Daily population refit (UTC), run by each jurisdiction's home region. */
export const REFIT_CRON = '17 3 * * *';
/** Daily segment run (UTC), after the refit, by each jurisdiction's home region. */
export const SEGMENT_CRON = '47 3 * * *';
/**
 * Daily recommendations rebuild (UTC), after the segment run, by each home region: a trigger of its own, so
 * the CPU-bound fit has its own invocation's budget and does not hold up the segment run's.
 */
export const RECOMMENDATIONS_CRON = '57 3 * * *';
/** Daily AI-analysis batch (UTC), after the refit and the segment run, by each home region. */
export const INSIGHTS_CRON = '7 4 * * *';
/** Resumes tracked jobs that went quiet (a dead worker's pages are sent again), by each home region. */
export const JOBS_SWEEP_CRON = '*/10 * * * *';
/** The Worker's producer binding for its jurisdiction's analysis-job queue. */
export const INSIGHTS_QUEUE_BINDING = 'INSIGHTS_QUEUE';
/** The producer binding of the jurisdiction's bulk queue: job pages and the daily batch's analyses. */
export const BULK_QUEUE_BINDING = 'BULK_QUEUE';
/** The producer binding of the same queue's dead-letter queue: a malformed message goes there at once. */
export const INSIGHTS_DLQ_BINDING = 'INSIGHTS_DLQ';
/** One queue per jurisdiction (jobs touch that jurisdiction's data only), with its dead-letter queue. */
export const insightsQueueName = (jurisdiction: string) => `cadence-insights-${jurisdiction.toLowerCase()}`;
export const deadLetterQueueName = (jurisdiction: string) => `${insightsQueueName(jurisdiction)}-dlq`;
/** A second queue per jurisdiction for bulk pages, so that on-demand messages never wait behind them (same dead-letter queue). */
export const bulkQueueName = (jurisdiction: string) => `${insightsQueueName(jurisdiction)}-bulk`;
export const isDeadLetterQueue = (queue: string) => queue.endsWith('-dlq');
/** Delivery settings of the analysis queue (also used by the local stack). */
export const INSIGHTS_QUEUE_SETTINGS = { maxBatchSize: 10, maxBatchTimeout: 5, maxRetries: 5, retryDelay: 30 } as const;
export const workerName = (regionId: string) => `cadence-${regionId}`;
/** Static assets (the API reference's script) are served from here by the ASSETS binding. */
export const ASSETS_DIRECTORY = 'dist/assets';
export const ASSETS_BINDING = 'ASSETS';
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
  for (const [index, region] of list.entries()) {
    lines.push(
      `[env.${region.id}]`,
      `name = "${workerName(region.id)}"`,
      `placement = { mode = "targeted", region = "${region.placement}" }`,
      `assets = { directory = "${ASSETS_DIRECTORY}", binding = "${ASSETS_BINDING}" }`,
      '',
      `[env.${region.id}.vars]`,
      `CADENCE_REGION = "${region.id}"`,
      '',
      `[env.${region.id}.triggers]`,
      `crons = ["${REFIT_CRON}", "${SEGMENT_CRON}", "${RECOMMENDATIONS_CRON}", "${INSIGHTS_CRON}", "${JOBS_SWEEP_CRON}"]`,
      '',
      `[[env.${region.id}.queues.producers]]`,
      `binding = "${INSIGHTS_QUEUE_BINDING}"`,
      `queue = "${insightsQueueName(region.jurisdiction)}"`,
      '',
      `[[env.${region.id}.queues.producers]]`,
      `binding = "${BULK_QUEUE_BINDING}"`,
      `queue = "${bulkQueueName(region.jurisdiction)}"`,
      '',
      `[[env.${region.id}.queues.producers]]`,
      `binding = "${INSIGHTS_DLQ_BINDING}"`,
      `queue = "${deadLetterQueueName(region.jurisdiction)}"`,
      '',
    );
    // Cloudflare allows one consumer Worker per queue: the home region's. The other regions produce only.
    if (region.home) {
      // The on-demand queue and the bulk one (job pages) are consumed alike, with the same dead-letter queue.
      for (const queue of [insightsQueueName(region.jurisdiction), bulkQueueName(region.jurisdiction)]) {
        lines.push(
          `[[env.${region.id}.queues.consumers]]`,
          `queue = "${queue}"`,
          `max_batch_size = ${INSIGHTS_QUEUE_SETTINGS.maxBatchSize}`,
          `max_batch_timeout = ${INSIGHTS_QUEUE_SETTINGS.maxBatchTimeout}`,
          `max_retries = ${INSIGHTS_QUEUE_SETTINGS.maxRetries}`,
          `retry_delay = ${INSIGHTS_QUEUE_SETTINGS.retryDelay}`,
          `dead_letter_queue = "${deadLetterQueueName(region.jurisdiction)}"`,
          '',
        );
      }
      lines.push(
        `[[env.${region.id}.queues.consumers]]`,
        `queue = "${deadLetterQueueName(region.jurisdiction)}"`,
        '',
      );
    }
    // Per-credential limits counted per colo, one binding per tier (src/ratelimit/bindings.ts).
    lines.push(...wranglerRateLimits(region.id, index));
    for (const peer of peerRegions(list, region)) {
      lines.push(`[[env.${region.id}.services]]`, `binding = "${bindingName(peer.id)}"`, `service = "${workerName(peer.id)}"`, '');
    }
  }
  return lines.join('\n');
}
