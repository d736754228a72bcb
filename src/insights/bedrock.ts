import { ConverseCommand, type BedrockRuntimeClient, type ContentBlock, type Message, type SystemContentBlock, type Tool } from '@aws-sdk/client-bedrock-runtime';
import { AnalysisUnavailable, type Analyzer, type ModelAnalysis, type Usage } from './analyzer.ts';
import { COMPACT_TOOL_NAME, compactToolSchema, readAnswer } from './compact-answer.ts';
import { priceOf } from './pricing.ts';
import { PROMPT_VERSION, productTable, systemPrompt, userPrompt, type PseudonymousInput } from './prompt.ts';

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

  /** One forced-tool call of another kind (segment names): same client, retries and timeout. */
  callTool(request: ToolRequest): Promise<ToolAnswer> {
    return callTool(this.client, this.modelId, request, this.options);
  }
}

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'InternalServerException', 'ModelNotReadyException', 'ServiceQuotaExceededException']);

/**
 * One analysis through the Converse API with a forced tool whose input schema is the compact answer. The
 * SDK retries throttling and 5xx with backoff and jitter (the client's maxAttempts); an answer that fails
 * validation is sent back once with the errors (a repair attempt); anything else is AnalysisUnavailable.
 */
export interface AnalyzeOptions {
  maxTokens?: number;
  /** Per call, retries included: Bedrock that does not answer in time is as good as unavailable. */
  timeoutMs?: number;
}

export interface ToolRequest {
  system: string;
  user: string;
  tool: { name: string; schema: Record<string, unknown> };
  maxTokens?: number;
}
export interface ToolAnswer {
  input: unknown;
  usage: Usage;
}

/**
 * The fixed prefix (tool, then system) with a cache checkpoint after it, for models Bedrock caches prompts
 * for. Below the model's minimum cacheable length Bedrock accepts the checkpoint and caches nothing, so it
 * costs nothing to send; above it the prefix is written once and read at a tenth of the input price.
 */
function fixedPrefix(modelId: string, system: string, tool: ToolRequest['tool']): { system: SystemContentBlock[]; tools: Tool[] } {
  const cache = priceOf(modelId)?.cache !== undefined;
  return {
    tools: [{ toolSpec: { name: tool.name, inputSchema: { json: tool.schema as never } } }],
    system: [{ text: system }, ...(cache ? [{ cachePoint: { type: 'default' as const } }] : [])],
  };
}

function addUsage(usage: Usage, u: { inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number } | undefined): void {
  usage.calls++;
  usage.inputTokens += u?.inputTokens ?? 0;
  usage.outputTokens += u?.outputTokens ?? 0;
  if (u?.cacheReadInputTokens) usage.cacheReadTokens = (usage.cacheReadTokens ?? 0) + u.cacheReadInputTokens;
  if (u?.cacheWriteInputTokens) usage.cacheWriteTokens = (usage.cacheWriteTokens ?? 0) + u.cacheWriteInputTokens;
}

async function send(client: BedrockRuntimeClient, command: ConverseCommand, usage: Usage, timeoutMs: number) {
  try {
    // AbortSignal.timeout works in Node and in workerd alike (the SDK uses fetch in Workers).
    return await client.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) });
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
}

export async function analyzeWithBedrock(client: BedrockRuntimeClient, modelId: string, input: PseudonymousInput, options: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  const { maxTokens = 800, timeoutMs = 20_000 } = options;
  const usage: Usage = { inputTokens: 0, outputTokens: 0, calls: 0 };
  const products = productTable(input);
  const messages: Message[] = [{ role: 'user', content: [{ text: userPrompt(input) }] }];
  const { system, tools } = fixedPrefix(modelId, systemPrompt(), { name: COMPACT_TOOL_NAME, schema: compactToolSchema() });
  const toolConfig = { tools, toolChoice: { tool: { name: COMPACT_TOOL_NAME } } };
  for (let attempt = 0; attempt < 2; attempt++) {
    const output = await send(client, new ConverseCommand({ modelId, system, messages, toolConfig, inferenceConfig: { maxTokens, temperature: 0 } }), usage, timeoutMs);
    addUsage(usage, output.usage);
    const content: ContentBlock[] = output.output?.message?.content ?? [];
    const toolUse = content.find((c) => c.toolUse?.name === COMPACT_TOOL_NAME)?.toolUse;
    if (!toolUse) throw new AnalysisUnavailable('refused', usage, `no tool call (stop reason ${output.stopReason})`);
    const read = readAnswer(toolUse.input, products);
    if ('answer' in read) return { answer: read.answer, modelId, promptVersion: PROMPT_VERSION, usage, repaired: attempt > 0 };
    if (attempt === 1) break;
    // One repair: show the model what did not validate and ask for the tool call again.
    messages.push(output.output!.message!, {
      role: 'user',
      content: [{ toolResult: { toolUseId: toolUse.toolUseId, status: 'error', content: [{ text: `The input did not match the schema:\n${read.problems.join('\n')}\nCall the tool again with a corrected input.` }] } }],
    });
  }
  throw new AnalysisUnavailable('invalid_answer', usage, 'the answer did not validate after one repair');
}

/** One forced-tool call; the caller validates the input. Throws AnalysisUnavailable as the analysis does. */
export async function callTool(client: BedrockRuntimeClient, modelId: string, request: ToolRequest, options: AnalyzeOptions = {}): Promise<ToolAnswer> {
  const usage: Usage = { inputTokens: 0, outputTokens: 0, calls: 0 };
  const { system, tools } = fixedPrefix(modelId, request.system, request.tool);
  const command = new ConverseCommand({
    modelId,
    system,
    messages: [{ role: 'user', content: [{ text: request.user }] }],
    toolConfig: { tools, toolChoice: { tool: { name: request.tool.name } } },
    inferenceConfig: { maxTokens: request.maxTokens ?? 400, temperature: 0 },
  });
  const output = await send(client, command, usage, options.timeoutMs ?? 20_000);
  addUsage(usage, output.usage);
  const toolUse = (output.output?.message?.content ?? []).find((c) => c.toolUse?.name === request.tool.name)?.toolUse;
  if (!toolUse) throw new AnalysisUnavailable('refused', usage, `no tool call (stop reason ${output.stopReason})`);
  return { input: toolUse.input, usage };
}

/**
 * One analysis as a batch inference record's `modelInput`. Bedrock's Converse-format batch jobs refuse
 * tools, so batch records use the InvokeModel format, Anthropic's Messages body, with the same system
 * prompt, the same compact tool forced, and the same user text as an on-demand call.
 */
export function batchModelInput(input: PseudonymousInput, maxTokens = 800): Record<string, unknown> {
  return {
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: maxTokens,
    temperature: 0,
    system: [{ type: 'text', text: systemPrompt() }],
    messages: [{ role: 'user', content: [{ type: 'text', text: userPrompt(input) }] }],
    tools: [{ name: COMPACT_TOOL_NAME, input_schema: compactToolSchema() }],
    tool_choice: { type: 'tool', name: COMPACT_TOOL_NAME },
  };
}

/**
 * A batch record's `modelOutput` (an Anthropic Messages response) read with the same schema as an on-demand
 * answer: the answer, or why there is none (`refused`: no tool call; `invalid_answer`: it did not validate,
 * with the problems). The usage is what the record was billed for.
 */
export function readBatchOutput(
  modelOutput: unknown,
  input: PseudonymousInput,
): { usage: Usage; answer: ModelAnalysis['answer'] } | { usage: Usage; reason: 'refused' | 'invalid_answer'; problems: string[] } {
  const out = (modelOutput ?? {}) as { content?: { type?: string; name?: string; input?: unknown }[]; usage?: Record<string, number | undefined> };
  const u = out.usage ?? {};
  const usage: Usage = {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    calls: 1,
    ...(u.cache_read_input_tokens ? { cacheReadTokens: u.cache_read_input_tokens } : {}),
    ...(u.cache_creation_input_tokens ? { cacheWriteTokens: u.cache_creation_input_tokens } : {}),
  };
  const toolUse = (out.content ?? []).find((c) => c.type === 'tool_use' && c.name === COMPACT_TOOL_NAME);
  if (!toolUse) return { usage, reason: 'refused', problems: ['no tool call'] };
  const read = readAnswer(toolUse.input, productTable(input));
  return 'answer' in read ? { usage, answer: read.answer } : { usage, reason: 'invalid_answer', problems: read.problems };
}
