import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { LiveQuery, LiveSchema, LiveStreamQuery } from './streaming.schemas.ts';
import type { StreamingService } from './streaming.service.ts';

export interface StreamingRoutesDeps {
  streaming: StreamingService;
}

const live = createRoute({
  method: 'get',
  path: '/v1/ops/live',
  tags: ['operations'],
  summary: "A jurisdiction's live figures: orders and revenue per minute, active customers, trending products",
  description: 'Computed by the stream consumer from the jurisdiction\'s events (sums only). `?jurisdiction=` names another jurisdiction and is answered there.',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { query: LiveQuery },
  responses: { 200: json(LiveSchema, 'The live figures'), ...commonErrors, ...notFoundError },
});

const liveStream = createRoute({
  method: 'get',
  path: '/v1/ops/live/stream',
  tags: ['operations'],
  summary: 'The same figures as Server-Sent Events (`event: live`), every `every` seconds, `count` times',
  security,
  middleware: [allow.scope('ops:read')] as const,
  request: { query: LiveStreamQuery },
  responses: { 200: { description: 'text/event-stream of LiveAnalytics', content: { 'text/event-stream': { schema: LiveSchema } } }, ...commonErrors, ...notFoundError },
});

// A `?jurisdiction=` naming another jurisdiction was sent there by the residency guard: these serve their own.
export function streamingRoutes(deps: StreamingRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(live, async (c) => c.json(await deps.streaming.live(), 200, { 'cache-control': 'no-store' }))
    .openapi(liveStream, async (c) => {
      const { every, count } = c.req.valid('query');
      const first = await deps.streaming.live(); // a disabled or failing store answers a problem, not an empty stream
      return streamSSE(c, async (stream) => {
        let view = first;
        for (let i = 0; i < count && !stream.aborted; i++) {
          if (i > 0) {
            await stream.sleep(every * 1000);
            view = await deps.streaming.live();
          }
          await stream.writeSSE({ event: 'live', id: view.asOf, data: JSON.stringify(view) });
        }
      }) as never;
    });
}
