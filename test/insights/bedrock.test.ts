import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnalysisAnswer } from '../../src/insights/analysis.schema.ts';
import { COMPACT_TOOL_NAME, compactToolSchema } from '../../src/insights/compact-answer.ts';
import { AnalysisUnavailable } from '../../src/insights/analyzer.ts';
import { analyzeWithBedrock } from '../../src/insights/bedrock.ts';
import { PROMPT_VERSION, type PseudonymousInput } from '../../src/insights/prompt.ts';
import { startConverseServer, type ConverseServer } from '../support/converse-server.ts';

let server: ConverseServer;
let client: BedrockRuntimeClient;
const MODEL = 'eu.anthropic.claude-haiku-4-5-20251001-v1:0';

beforeAll(async () => {
  server = await startConverseServer();
  // The real SDK client; HTTP/1.1 handler because the SDK's default HTTP/2 fails against local servers.
  client = new BedrockRuntimeClient({
    region: 'eu-central-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler(),
  });
});
afterAll(async () => server.close());
beforeEach(() => {
  server.script.length = 0;
  server.requests.length = 0;
  server.reported.length = 0;
});

const input: PseudonymousInput = {
  reference: 'ref_4f2a9c',
  asOf: '2026-11-17',
  purchases: [
    { date: '2026-10-01', product: 'Nappies, size 3', category: 'baby', quantity: 2, unitPrice: 19.99, currency: 'EUR' },
    { date: '2026-10-15', product: 'Infant formula', category: 'baby', quantity: 1, unitPrice: 16.9, currency: 'EUR' },
  ],
  predictions: { probabilityAlive: 0.93, expectedPurchases90: 5.2, churnRisk: 'low', products: [{ product: 'Nappies, size 3', status: 'due_soon', typicalIntervalDays: 12, nextPurchaseDate: '2026-11-24' }] },
  declared: { householdSize: 3 },
};

const good: AnalysisAnswer = {
  consumptionPatterns: [{ pattern: 'Buys nappies every 12 days, two packs at a time', products: ['Nappies, size 3'], confidence: 0.8 }],
  predictedNeeds: [{ need: 'Nappies, size 3', timing: 'within a week', confidence: 0.7 }],
  household: { reading: 'Household with an infant', evidence: ['regular nappies and infant formula'], confidence: 0.85 },
  socioeconomic: { reading: 'Not enough evidence', evidence: [], confidence: 0.1 },
  priceSensitivity: { level: 'medium', evidence: ['buys standard brands'] },
  recommendedCategories: ['baby'],
  churnSignals: [],
  summary: 'A young family replenishing baby essentials on a steady two-week rhythm.',
};

describe('AI analysis through the Bedrock Converse API', () => {
  it('forces the analysis tool, validates the answer, and reports exactly the tokens the server counted', async () => {
    server.script.push({ kind: 'answer', input: good });
    const result = await analyzeWithBedrock(client, MODEL, input);
    expect(result.answer).toEqual(good);
    expect(result).toMatchObject({ modelId: MODEL, promptVersion: PROMPT_VERSION, repaired: false });
    expect(result.usage).toEqual({ inputTokens: server.reported[0]!.inputTokens, outputTokens: server.reported[0]!.outputTokens, calls: 1 });
    const sent = server.requests[0]!;
    expect(sent.modelId).toBe(MODEL);
    expect(sent.body.toolConfig).toMatchObject({ toolChoice: { tool: { name: COMPACT_TOOL_NAME } } });
    expect((sent.body.toolConfig as { tools: { toolSpec: { inputSchema: { json: unknown } } }[] }).tools[0]!.toolSpec.inputSchema.json).toEqual(compactToolSchema());
  });

  it('sends a malformed answer back once with its errors, and takes the repaired one', async () => {
    server.script.push({ kind: 'answer', input: { ...good, priceSensitivity: { level: 'extreme' }, summary: '' } }, { kind: 'answer', input: good });
    const result = await analyzeWithBedrock(client, MODEL, input);
    expect(result.repaired).toBe(true);
    expect(result.usage.calls).toBe(2);
    expect(result.usage.inputTokens).toBe(server.reported[0]!.inputTokens + server.reported[1]!.inputTokens);
    const repair = JSON.stringify(server.requests[1]!.body.messages);
    expect(repair).toContain('"status":"error"');
    expect(repair).toContain('priceSensitivity.level');
  });

  it('gives up after one failed repair, and on a refusal, with the tokens spent', async () => {
    server.script.push({ kind: 'answer', input: { nonsense: true } }, { kind: 'answer', input: { still: 'nonsense' } });
    const invalid = await analyzeWithBedrock(client, MODEL, input).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(AnalysisUnavailable);
    expect((invalid as AnalysisUnavailable).reason).toBe('invalid_answer');
    expect((invalid as AnalysisUnavailable).usage.calls).toBe(2);
    server.script.push({ kind: 'refuse' });
    const refused = await analyzeWithBedrock(client, MODEL, input).catch((e: unknown) => e);
    expect((refused as AnalysisUnavailable).reason).toBe('refused');
    expect((refused as AnalysisUnavailable).usage.outputTokens).toBe(server.reported.at(-1)!.outputTokens);
  });

  it('retries throttling and 5xx through the SDK, then succeeds or reports Bedrock unavailable', async () => {
    server.script.push({ kind: 'error', status: 429, type: 'ThrottlingException' }, { kind: 'error', status: 503, type: 'ServiceUnavailableException' }, { kind: 'answer', input: good });
    const result = await analyzeWithBedrock(client, MODEL, input);
    expect(server.requests).toHaveLength(3); // two retries, then the answer
    expect(result.usage.calls).toBe(1);
    server.requests.length = 0;
    server.script.push(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 429, type: 'ThrottlingException' })));
    const err = await analyzeWithBedrock(client, MODEL, input).catch((e: unknown) => e);
    expect((err as AnalysisUnavailable).reason).toBe('unavailable');
    expect(server.requests).toHaveLength(3);
  }, 30_000);

  it('reports a timeout when the model does not answer in time', async () => {
    server.script.push({ kind: 'hang', ms: 3_000 }, { kind: 'hang', ms: 3_000 }, { kind: 'hang', ms: 3_000 });
    const started = Date.now();
    const err = await analyzeWithBedrock(client, MODEL, input, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(AnalysisUnavailable);
    expect((err as AnalysisUnavailable).reason).toBe('timeout');
  }, 30_000);

  it('sends nothing personal: no customer id, name, email or phone in any request body', async () => {
    server.script.push({ kind: 'answer', input: good });
    await analyzeWithBedrock(client, MODEL, input);
    const body = JSON.stringify(server.requests);
    for (const personal of ['cus_eu_', 'cus_row_', '@', 'displayName', 'email', 'phone']) expect(body).not.toContain(personal);
    expect(body).toContain('ref_4f2a9c');
  });
});

describe('statistical fallback', () => {
  it('answers in the same schema from the cadence figures, with declared attributes and honest low confidence', async () => {
    const { buildHistory } = await import('../../src/predictions/model/history.ts');
    const { defaultPopulationModel } = await import('../../src/predictions/model/population.ts');
    const { predictCustomer } = await import('../../src/predictions/model/customer.ts');
    const { statisticalAnalysis } = await import('../../src/insights/statistical.ts');
    const events = Array.from({ length: 8 }, (_, i) => ({ day: 20000 + i * 12, productId: 'nappies-3', category: 'baby', quantity: 1, amount: 20 }));
    const { toView } = await import('../../src/predictions/view.ts');
    const prediction = toView('cus_eu_0000000000000000000a', predictCustomer(buildHistory(events), defaultPopulationModel(20100), 20000 + 7 * 12 + 11), { model: defaultPopulationModel(20100) }, 8, new Date().toISOString());
    const answer = statisticalAnalysis(input, prediction, (id) => (id === 'nappies-3' ? 'Nappies, size 3' : id));
    expect(AnalysisAnswer.parse(answer)).toEqual(answer);
    expect(answer.consumptionPatterns[0]!.pattern).toMatch(/Nappies, size 3 about every 1[0-4] days/);
    expect(answer.predictedNeeds.map((n) => n.need)).toEqual(['Nappies, size 3']);
    expect(answer.household).toMatchObject({ reading: 'Household of 3 (declared)', confidence: 0.9 });
    expect(answer.socioeconomic.confidence).toBeLessThan(0.2);
  });
});

describe('pseudonymous input', () => {
  it('keeps the last 20 purchases and the cadence figures under a reference, and nothing that names the customer', async () => {
    const { buildHistory } = await import('../../src/predictions/model/history.ts');
    const { defaultPopulationModel } = await import('../../src/predictions/model/population.ts');
    const { predictCustomer } = await import('../../src/predictions/model/customer.ts');
    const { pseudonymousInput } = await import('../../src/insights/prompt.ts');
    const events = Array.from({ length: 30 }, (_, i) => ({ day: 20000 + i * 7, productId: 'coffee-1kg', category: 'coffee', quantity: 1, amount: 18.9 }));
    const { toView } = await import('../../src/predictions/view.ts');
    const prediction = toView('cus_eu_0000000000000000000a', predictCustomer(buildHistory(events), defaultPopulationModel(20300), 20300), { model: defaultPopulationModel(20300) }, 30, new Date().toISOString());
    const purchases = events.map((e) => ({ date: `d${e.day}`, product: 'Coffee beans', category: 'coffee', quantity: 1, unitPrice: 18.9, currency: 'EUR' }));
    const built = pseudonymousInput('ref_x1', purchases, prediction, () => 'Coffee beans', { householdSize: 2 });
    expect(built.purchases).toHaveLength(20);
    expect(built.predictions.products[0]).toMatchObject({ product: 'Coffee beans', typicalIntervalDays: 7 });
    expect(Object.keys(built).sort()).toEqual(['asOf', 'declared', 'predictions', 'purchases', 'reference']);
    expect(JSON.stringify(built)).not.toMatch(/cus_|coffee-1kg/);
  });
});
