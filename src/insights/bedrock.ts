import { ConverseCommand, type BedrockRuntimeClient, type ContentBlock, type Message } from '@aws-sdk/client-bedrock-runtime';
import { ANALYSIS_TOOL_NAME, AnalysisAnswer, analysisToolSchema } from './analysis.schema.ts';
import { AnalysisUnavailable, type Analyzer, type ModelAnalysis, type Usage } from './analyzer.ts';
import { PROMPT_VERSION, systemPrompt, userPrompt, type PseudonymousInput } from './prompt.ts';

/** The Analyzer port on Claude through Bedrock's Converse API. */
export class BedrockAnalyzer implements Analyzer {
  constructor(
    private readonly client: BedrockRuntimeClient,
    readonly modelId: string,
    private readonly options: AnalyzeOptions = {},
  ) {}

  analyze(input: PseudonymousInput): Promise<ModelAnalysis> {
    return analyzeWithBedrock(this.client, this.modelId, input, this.options);
  }
}

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InternalServerException', 'ModelNotReadyException', 'ServiceQuotaExceededException']);

/**
 * One analysis through the Converse API with a forced tool whose input schema is the answer. The SDK
 * retries throttling and 5xx with backoff and jitter (the client's maxAttempts); an answer that fails
 * validation is sent back once with the errors (a repair attempt); anything else is AnalysisUnavailable.
 */
export interface AnalyzeOptions {
  maxTokens?: number;
  /** Per call, retries included: Bedrock that does not answer in time is as good as unavailable. */
  timeoutMs?: number;
}

export async function analyzeWithBedrock(client: BedrockRuntimeClient, modelId: string, input: PseudonymousInput, options: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  const { maxTokens = 1500, timeoutMs = 20_000 } = options;
  const usage: Usage = { inputTokens: 0, outputTokens: 0, calls: 0 };
  const messages: Message[] = [{ role: 'user', content: [{ text: userPrompt(input) }] }];
  const toolConfig = {
    tools: [{ toolSpec: { name: ANALYSIS_TOOL_NAME, description: 'Records the analysis of the customer.', inputSchema: { json: analysisToolSchema() as never } } }],
    toolChoice: { tool: { name: ANALYSIS_TOOL_NAME } },
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    let output;
    try {
      // AbortSignal.timeout works in Node and in workerd alike (the SDK uses fetch in Workers).
      output = await client.send(
        new ConverseCommand({ modelId, system: [{ text: systemPrompt() }], messages, toolConfig, inferenceConfig: { maxTokens, temperature: 0 } }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'TimeoutError' || name === 'AbortError' || /timed? ?out|aborted/i.test(String(err))) throw new AnalysisUnavailable('timeout', usage, String(err));
      if (RETRYABLE.has(name) || ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0) >= 500) {
        throw new AnalysisUnavailable('unavailable', usage, `${name}: ${String(err)}`);
      }
      // The repair call failed after a billed first call: fall back, carrying what was spent.
      if (usage.calls > 0) throw new AnalysisUnavailable('invalid_answer', usage, `${name}: ${String(err)}`);
      throw err;
    }
    usage.calls++;
    usage.inputTokens += output.usage?.inputTokens ?? 0;
    usage.outputTokens += output.usage?.outputTokens ?? 0;
    const content: ContentBlock[] = output.output?.message?.content ?? [];
    const toolUse = content.find((c) => c.toolUse?.name === ANALYSIS_TOOL_NAME)?.toolUse;
    if (!toolUse) throw new AnalysisUnavailable('refused', usage, `no tool call (stop reason ${output.stopReason})`);
    const parsed = AnalysisAnswer.safeParse(toolUse.input);
    if (parsed.success) return { answer: parsed.data, modelId, promptVersion: PROMPT_VERSION, usage, repaired: attempt > 0 };
    if (attempt === 1) break;
    // One repair: show the model what did not validate and ask for the tool call again.
    const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    messages.push(output.output!.message!, {
      role: 'user',
      content: [{ toolResult: { toolUseId: toolUse.toolUseId, status: 'error', content: [{ text: `The input did not match the schema:\n${problems}\nCall the tool again with a corrected input.` }] } }],
    });
  }
  throw new AnalysisUnavailable('invalid_answer', usage, 'the answer did not validate after one repair');
}
