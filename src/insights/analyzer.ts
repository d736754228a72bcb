import type { AnalysisAnswer } from './analysis.schema.ts';
import type { PseudonymousInput } from './prompt.ts';

export interface Usage {
  /** Input tokens billed at the input price (Bedrock reports cached tokens apart). */
  inputTokens: number;
  outputTokens: number;
  calls: number;
  /** Prompt-cache tokens read (billed at the cache-read price) and written (at the cache-write price). */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export interface ModelAnalysis {
  answer: AnalysisAnswer;
  modelId: string;
  promptVersion: string;
  usage: Usage;
  /** The first answer did not validate and a repair call fixed it. */
  repaired: boolean;
}

export type UnavailableReason = 'invalid_answer' | 'refused' | 'unavailable' | 'timeout';

/** The model could not give a usable answer; the caller falls back to the statistical analysis. */
export class AnalysisUnavailable extends Error {
  constructor(
    readonly reason: UnavailableReason,
    /** What was spent before it gave up (a repair call after a billed first call, for example). */
    readonly usage: Usage,
    message: string,
  ) {
    super(message);
    this.name = 'AnalysisUnavailable';
  }
}

/**
 * The port to a language model that reads a pseudonymous purchase summary. Domain code knows only this;
 * the Bedrock adapter (`bedrock.ts`) is the one place that imports the SDK.
 */
export interface Analyzer {
  readonly modelId: string;
  /** The model's reading; throws AnalysisUnavailable when it cannot give a valid one. */
  analyze(input: PseudonymousInput): Promise<ModelAnalysis>;
}
