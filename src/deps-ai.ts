import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import type { DeploymentConfig } from './deps.ts';
import type { AnalysisRepository } from './insights/analyses.repository.ts';
import { BedrockAnalyzer } from './insights/bedrock.ts';
import type { CostStore } from './insights/costs.repository.ts';
import type { InsightsDeps } from './insights/insights.service.ts';
import { costOf, priceOf } from './insights/pricing.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Region } from './regions/region.schema.ts';
import { readingsOf, type AiReadings } from './segments/model/readings.ts';
import type { SegmentServiceDeps } from './segments/segments.service.ts';

/** The AI side of a deployment: the Bedrock clients (runtime, control plane, S3) and what segments take from it. */

export function analyzerFor(config: DeploymentConfig): BedrockAnalyzer | undefined {
  const bedrock = config.ai?.bedrock;
  if (!bedrock) return undefined;
  const modelId = bedrock.modelId ?? config.region.bedrock.modelId;
  // A model without a price could be called but not charged: refuse to start instead.
  if (!priceOf(modelId)) throw new Error(`no price for Bedrock model ${modelId}: add it to src/insights/pricing.ts`);
  const client = new BedrockRuntimeClient({
    region: config.region.bedrock.region,
    credentials: bedrock.credentials,
    ...(bedrock.endpoint ? { endpoint: bedrock.endpoint } : {}),
    // Throttling and 5xx: the SDK's standard retries, exponential backoff with jitter.
    maxAttempts: 4,
    retryMode: 'standard',
    ...config.bedrockClientOptions,
  });
  return new BedrockAnalyzer(client, modelId);
}

/** Batch inference's clients, in the deployment's Bedrock region (so the jurisdiction's data stays there). */
export function inferenceFor(config: DeploymentConfig, analyzer: BedrockAnalyzer | undefined): InsightsDeps['inference'] {
  const batch = config.ai?.batch;
  const bedrock = config.ai?.bedrock;
  if (!batch || !bedrock || !analyzer) return undefined;
  const region = config.region.bedrock.region;
  const common = { region, credentials: bedrock.credentials, maxAttempts: 4, retryMode: 'standard', ...config.bedrockClientOptions };
  const s3 = new S3Client({
    ...common,
    ...(batch.s3Credentials ? { credentials: batch.s3Credentials } : {}),
    ...(batch.s3Endpoint ? { endpoint: batch.s3Endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
  const control = new BedrockClient({ ...common, ...(batch.controlEndpoint ? { endpoint: batch.controlEndpoint } : {}) });
  return {
    s3,
    bedrock: control,
    settings: { bucket: batch.bucket.replaceAll('{region}', region), roleArn: batch.roleArn, minRecords: batch.minRecords, deadlineMs: batch.deadlineHours * 3600_000, pollSeconds: batch.pollSeconds },
  };
}


/** What segments take from the AI side: the customers' readings, and the model that names segments. */
export function segmentAi(d: { region: Region; analyzer: BedrockAnalyzer | undefined; analyses: Pick<AnalysisRepository, 'many'>; costs: CostStore; queue: JobQueue; now: () => number }): Pick<SegmentServiceDeps, 'readings' | 'naming'> {
  const { analyzer } = d;
  return {
    // The AI readings of the customers' model analyses (a model analysis exists only with profiling consent).
    readings: async (ids) => {
      const out = new Map<string, AiReadings>();
      for (const [id, a] of await d.analyses.many(ids)) if (a.source === 'bedrock') out.set(id, readingsOf(a.answer));
      return out;
    },
    ...(analyzer
      ? {
          naming: {
            modelId: analyzer.modelId,
            callTool: (request) => analyzer.callTool(request),
            // A naming call names no customer: it goes to the totals only (no ledger line in a customer's partition).
            charge: async (usage) => {
              const call = { modelId: analyzer.modelId, calls: usage.calls, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: costOf(analyzer.modelId, usage), analysed: false };
              for (const period of ['day', 'month'] as const) await d.costs.record(d.region.id, d.now(), call, period);
            },
            queue: d.queue,
          },
        }
      : {}),
  };
}
