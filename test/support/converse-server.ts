import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANALYSIS_TOOL_NAME } from '../../src/insights/analysis.schema.ts';
import { priceOf } from '../../src/insights/pricing.ts';

/**
 * A local server that speaks the Bedrock Runtime Converse wire protocol (REST-JSON, POST
 * /model/{modelId}/converse), for tests through the real SDK client. Each request takes the next scripted
 * behaviour; the request bodies are kept so tests can check what was sent.
 */
export type Behaviour =
  | { kind: 'answer'; input: unknown; inputTokens?: number; outputTokens?: number }
  | { kind: 'refuse' }
  | { kind: 'error'; status: number; type: string }
  | { kind: 'hang'; ms: number };

export interface ConverseServer {
  endpoint: string;
  script: Behaviour[];
  requests: { modelId: string; body: Record<string, unknown> }[];
  /** Tokens reported per answered call, as the server counted them (input tokens exclude cached ones). */
  reported: { inputTokens: number; outputTokens: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number }[];
  /**
   * Prompt caching as Bedrock does it: a request with a `cachePoint` after its system prompt has its prefix
   * (tools and system) cached when the prefix reaches the model's minimum (the price table's, or this
   * override), written on first use and read for five minutes after each use.
   */
  cacheMinTokens?: number;
  /** When the script is empty: the tool input to answer with, built from the request (benchmarks). */
  autoAnswer?: (request: Record<string, unknown>) => unknown;
  close(): Promise<void>;
}

export async function startConverseServer(): Promise<ConverseServer> {
  const state: ConverseServer = { endpoint: '', script: [], requests: [], reported: [], close: async () => {} };
  const cache = new Map<string, number>();
  /** The prefix tokens of a request with a checkpoint that Bedrock would cache, and whether it is a hit. */
  const cached = (modelId: string, body: Record<string, unknown>): { tokens: number; hit: boolean } | undefined => {
    const system = (body.system ?? []) as { text?: string; cachePoint?: unknown }[];
    const at = system.findIndex((b) => b.cachePoint !== undefined);
    if (at < 0) return undefined;
    const prefix = JSON.stringify((body.toolConfig as { tools?: unknown } | undefined)?.tools ?? []) + JSON.stringify(system.slice(0, at));
    const tokens = Math.ceil(prefix.length / 4);
    const min = state.cacheMinTokens ?? priceOf(modelId)?.cache?.minTokens;
    if (min === undefined || tokens < min) return undefined;
    const key = `${modelId}\u0000${prefix}`;
    const hit = (cache.get(key) ?? 0) > Date.now();
    cache.set(key, Date.now() + 5 * 60_000);
    return { tokens, hit };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/model\/([^/]+)\/converse$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end('{"message":"no such route"}');
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ modelId: decodeURIComponent(m[1]!), body: JSON.parse(text) as Record<string, unknown> });
      const body = state.requests.at(-1)!.body;
      // Segment-naming calls (issue 17) never take the script, which tests write for analyses: they get the
      // automatic answer if there is one, else a 500 (the naming fails, and the statistical names stay).
      const naming = (body.toolConfig as { toolChoice?: { tool?: { name?: string } } } | undefined)?.toolChoice?.tool?.name === 'segment_name';
      const b: Behaviour =
        (naming ? undefined : state.script.shift()) ?? (state.autoAnswer ? { kind: 'answer', input: state.autoAnswer(body) } : { kind: 'error', status: 500, type: 'InternalServerException' });
      if (b.kind === 'hang') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), b.ms);
        return;
      }
      if (b.kind === 'error') {
        res.writeHead(b.status, { 'content-type': 'application/json', 'x-amzn-errortype': `${b.type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
        res.end(JSON.stringify({ message: `${b.type} from the local server` }));
        return;
      }
      // Tokens roughly as a tokenizer would count them: about four characters each.
      const modelId = state.requests.at(-1)!.modelId;
      const prefix = cached(modelId, body);
      const all = b.kind === 'answer' && b.inputTokens !== undefined ? b.inputTokens : Math.ceil(text.length / 4);
      const inputTokens = all - (prefix?.tokens ?? 0);
      const cacheTokens = prefix ? (prefix.hit ? { cacheReadInputTokens: prefix.tokens } : { cacheWriteInputTokens: prefix.tokens }) : {};
      const tool = (body.toolConfig as { toolChoice?: { tool?: { name?: string } } } | undefined)?.toolChoice?.tool?.name ?? ANALYSIS_TOOL_NAME;
      const content = b.kind === 'answer' ? [{ toolUse: { toolUseId: `tu_${state.requests.length}`, name: tool, input: b.input } }] : [{ text: "I can't help with profiling this person." }];
      const outputTokens = b.kind === 'answer' && b.outputTokens !== undefined ? b.outputTokens : Math.ceil(JSON.stringify(content).length / 4);
      state.reported.push({ inputTokens, outputTokens, ...cacheTokens });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          output: { message: { role: 'assistant', content } },
          stopReason: b.kind === 'answer' ? 'tool_use' : 'end_turn',
          usage: { inputTokens, outputTokens, totalTokens: all + outputTokens, ...cacheTokens },
          metrics: { latencyMs: 5 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
