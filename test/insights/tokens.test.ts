import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeWithBedrock } from '../../src/insights/bedrock.ts';
import { fromCompact, toCompact } from '../../src/insights/compact-answer.ts';
import { productTable } from '../../src/insights/prompt.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';
import { demoInputs } from '../support/demo-inputs.ts';
import { autoAnswer, plausibleAnswer } from '../support/plausible-answer.ts';
import { sendVerbose } from '../support/verbose-prompt.ts';

/**
 * Tokens per analysis before and after issue 17 on the same customers, as the Converse stand-in counts
 * them (four characters a token over the request and the tool call), through the real SDK client.
 */
const MODEL = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';
let server: ConverseServer;
let client: BedrockRuntimeClient;
const inputs = demoInputs(60);

beforeAll(async () => {
  server = await startConverseServer();
  server.autoAnswer = autoAnswer;
  client = new BedrockRuntimeClient({ region: 'eu-central-1', endpoint: server.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler() });
});
afterAll(() => server.close());

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('tokens per analysis, before and after, on the same customers', () => {
  it('halves the input (at most 700 tokens) and brings the output to at most 180 at the same answer content', async () => {
    expect(inputs.length).toBeGreaterThan(30);
    const before: { input: number; output: number }[] = [];
    const after: { input: number; output: number }[] = [];
    for (const input of inputs) {
      await sendVerbose(client, MODEL, input);
      before.push({ input: server.reported.at(-1)!.inputTokens, output: server.reported.at(-1)!.outputTokens });
      const result = await analyzeWithBedrock(client, MODEL, input);
      after.push({ input: result.usage.inputTokens, output: result.usage.outputTokens });
      // The same content: the compact answer read back is the long answer the verbose call got, plus the bands.
      const names = productTable(input).map((p) => p.name);
      expect(result.answer).toEqual(plausibleAnswer(names, true));
    }
    const inBefore = mean(before.map((b) => b.input));
    const inAfter = mean(after.map((a) => a.input));
    const outBefore = mean(before.map((b) => b.output));
    const outAfter = mean(after.map((a) => a.output));
    console.log(`stand-in tokens per analysis, ${inputs.length} demo customers: input ${inBefore.toFixed(0)} -> ${inAfter.toFixed(0)}, output ${outBefore.toFixed(0)} -> ${outAfter.toFixed(0)}`);
    expect(inAfter).toBeLessThanOrEqual(700);
    expect(inAfter).toBeLessThan(inBefore / 2);
    expect(outAfter).toBeLessThanOrEqual(180);
    expect(outAfter).toBeLessThan(outBefore * 0.6);
  });

  it('round-trips an answer through the compact form exactly', () => {
    const names = ['Coffee beans 1 kg', 'Green tea, 100 bags'];
    const answer = plausibleAnswer(names);
    expect(fromCompact(toCompact(answer, names.map((name) => ({ name }))), names.map((name) => ({ name })))).toEqual(answer);
    expect(fromCompact(toCompact({ ...answer, predictedNeeds: [{ need: 'a new kettle', timing: 'soon', confidence: 0.2 }] }), [])).toMatchObject({ predictedNeeds: [{ need: 'a new kettle' }] });
    // Timing words other than "within n days", listed products that the text does not name, odd confidences.
    const odd = {
      ...answer,
      consumptionPatterns: [{ pattern: 'Switches between the two', products: names, confidence: 0.55 }],
      predictedNeeds: [{ need: names[0]!, timing: 'next week', confidence: 0.125 }, { need: names[1]!, timing: 'within 1 day', confidence: 1 }],
    };
    const compact = toCompact(odd, names.map((name) => ({ name })));
    expect(compact.nd).toEqual([[1, 'next week', 12.5], [2, 1, 100]]);
    expect(fromCompact(compact, names.map((name) => ({ name })))).toEqual(odd);
  });
});
