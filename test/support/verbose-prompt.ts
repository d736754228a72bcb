import { ConverseCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ANALYSIS_TOOL_NAME, analysisToolSchema } from '../../src/insights/analysis.schema.ts';
import type { PseudonymousInput } from '../../src/insights/prompt.ts';

/**
 * The request the analysis sent before issue 17 (prompt `analysis-2026-11-22.1`): the same pseudonymous
 * input as verbose JSON, the long tool schema with its descriptions. Kept here, not in src, only so that
 * tests and bench:insights can count tokens before and after on the same customers.
 */
const system = [
  'You analyse the purchase history of one online-shop customer for the shop.',
  'Read consumption patterns, predict needs with timing, and give a household / life-stage and a socioeconomic reading only as far as the purchases support it: state the evidence and a confidence between 0 and 1, and use a low confidence rather than guess.',
  'Never try to identify the person. Answer only by calling the tool.',
].join(' ');

export function verboseCommand(modelId: string, input: PseudonymousInput): ConverseCommand {
  const { asOf: _, ...before } = input;
  const user = `Customer reference ${before.reference}. Data (JSON):\n${JSON.stringify({ purchases: before.purchases, predictions: before.predictions, declared: before.declared, segment: before.segment })}`;
  return new ConverseCommand({
    modelId,
    system: [{ text: system }],
    messages: [{ role: 'user', content: [{ text: user }] }],
    toolConfig: {
      tools: [{ toolSpec: { name: ANALYSIS_TOOL_NAME, description: 'Records the analysis of the customer.', inputSchema: { json: analysisToolSchema() as never } } }],
      toolChoice: { tool: { name: ANALYSIS_TOOL_NAME } },
    },
    inferenceConfig: { maxTokens: 1500, temperature: 0 },
  });
}

export const sendVerbose = (client: BedrockRuntimeClient, modelId: string, input: PseudonymousInput) => client.send(verboseCommand(modelId, input));
