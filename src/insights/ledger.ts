import type { Region } from '../regions/region.schema.ts';
import type { Usage } from './analyzer.ts';
import type { AnalysisAnswer } from './analysis.schema.ts';
import type { CostStore } from './costs.repository.ts';
import type { CountedLedgerLine, LedgerLine } from './insights.model.ts';
import type { LedgerRepository } from './ledger.repository.ts';
import { costOf, ratesOf, type PricingMode } from './pricing.ts';
import type { PseudonymousInput } from './prompt.ts';

export interface CostLedgerDeps {
  region: Region;
  ledger: LedgerRepository;
  costs: CostStore;
  /** Told when spend changed, so the next budget check reads it again. */
  spent(): void;
  now: () => number;
}

/**
 * Every model call is charged once: one ledger line per job, written right after the call (with the answer
 * kept on it until the analysis is stored), then added to the day's and the month's totals with a flag per
 * period. A failure between an addition and its flag counts that period twice, never zero times; the
 * ledger itself stays exact.
 */
export class CostLedger {
  constructor(private readonly deps: CostLedgerDeps) {}

  /** The line of a call that was made (not written when no call went out). */
  async record(
    customerId: string,
    jobId: string,
    modelId: string,
    usage: Usage,
    outcome: LedgerLine['outcome'],
    input: PseudonymousInput,
    answer?: AnalysisAnswer,
    batch?: { inferenceJob: string },
  ): Promise<LedgerLine> {
    const mode: PricingMode = batch ? 'batch' : 'on_demand';
    const line: LedgerLine = {
      customerId,
      jobId,
      at: new Date(this.deps.now()).toISOString(),
      modelId,
      region: this.deps.region.bedrock.region,
      ...usage,
      ...(batch ? { mode, inferenceJob: batch.inferenceJob } : {}),
      pricePerMillion: ratesOf(modelId, mode),
      costUsd: costOf(modelId, usage, mode),
      outcome,
      input,
      ...(answer ? { pendingAnswer: answer } : {}),
    };
    if (usage.calls > 0) await this.deps.ledger.put(line);
    return line;
  }

  /** Adds a line to the day's and the month's totals, each once. */
  async count(line: LedgerLine & { counted?: CountedLedgerLine['counted'] }): Promise<void> {
    const at = Date.parse(line.at);
    // The totals count every input token (at whatever price it was billed); the cost is exact per line.
    const inputTokens = line.inputTokens + (line.cacheReadTokens ?? 0) + (line.cacheWriteTokens ?? 0);
    const call = { modelId: line.modelId, calls: line.calls, inputTokens, outputTokens: line.outputTokens, costUsd: line.costUsd, analysed: line.outcome === 'answer' };
    for (const period of ['day', 'month'] as const) {
      if (line.counted?.[period]) continue;
      await this.deps.costs.record(this.deps.region.id, at, call, period);
      await this.deps.ledger.markCounted(line.customerId, line.jobId, period);
    }
    this.deps.spent();
  }

  /** The line a previous delivery of this job recorded, if any. */
  recorded(customerId: string, jobId: string): Promise<CountedLedgerLine | undefined> {
    return this.deps.ledger.get(customerId, jobId);
  }

  dropAnswer(customerId: string, jobId: string): Promise<void> {
    return this.deps.ledger.dropPendingAnswer(customerId, jobId);
  }
}
