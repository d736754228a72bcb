import { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ApiKeyRepository } from './auth/api-keys.ts';
import { customerRoutes } from './customers/customers.routes.ts';
import type { CustomerRepository } from './customers/customers.repository.ts';
import { authenticate } from './http/auth.ts';
import type { AppEnv } from './http/context.ts';
import { handleError } from './http/errors.ts';
import type { Peers } from './residency/peers.ts';
import { Problem } from './http/problem.ts';
import { validationHook } from './http/validation.ts';
import { predictionRoutes } from './predictions/predictions.routes.ts';
import type { PredictionService } from './predictions/predictions.service.ts';
import { productRoutes } from './products/products.routes.ts';
import { segmentRoutes } from './segments/segments.routes.ts';
import type { SegmentService } from './segments/segments.service.ts';
import { insightRoutes } from './insights/insights.routes.ts';
import type { InsightsService } from './insights/insights.service.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { ProductRepository } from './products/products.repository.ts';
import { purchaseRoutes } from './purchases/purchases.routes.ts';
import type { PurchaseRepository } from './purchases/purchases.repository.ts';
import type { Region } from './regions/region.schema.ts';

export interface AppDeps {
  /** The deployment this app serves; its jurisdiction's personal tables are the only ones it can reach. */
  region: Region;
  customers: CustomerRepository;
  purchases: PurchaseRepository;
  catalog: ProductRepository;
  apiKeys: ApiKeyRepository;
  predictions: PredictionService;
  segments: SegmentService;
  insights: InsightsService;
  /** Where jobs are sent. */
  queue: JobQueue;
  /** Deployments of the jurisdictions this one does not serve. */
  peers: Peers;
  jwtSecret: string;
  /** Storefront origins allowed to call from a browser (CORS); none by default. */
  corsOrigins?: readonly string[];
  now: () => number;
}

export const SERVED_BY = 'cadence-served-by';
export const BODY_LIMIT_BYTES = 64 * 1024;
export const PURCHASES_BODY_LIMIT_BYTES = 1024 * 1024;

const tooLarge = (limit: number) => () => {
  throw new Problem(413, 'request.bodyTooLarge', `The body is larger than ${limit} bytes`, { limit });
};

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(handleError);
  app.notFound(() => new Problem(404, 'request.notFound', 'No such route').toResponse());

  // Which deployment answered: forwarded answers keep the header of the deployment that served them.
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has(SERVED_BY)) c.res.headers.set(SERVED_BY, deps.region.id);
  });

  app.get('/health', (c) => c.json({ status: 'ok', region: deps.region.id, jurisdiction: deps.region.jurisdiction, time: new Date(deps.now()).toISOString() }));

  // Browsers on the shop's own pages may read a customer's data with the customer's token.
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    app.use('/v1/*', cors({
      origin: [...deps.corsOrigins],
      allowMethods: ['GET', 'HEAD'],
      allowHeaders: ['authorization', 'if-none-match'],
      exposeHeaders: ['etag', SERVED_BY],
      maxAge: 600,
    }));
  }
  app.use('/v1/purchases', bodyLimit({ maxSize: PURCHASES_BODY_LIMIT_BYTES, onError: tooLarge(PURCHASES_BODY_LIMIT_BYTES) }));
  app.use('/v1/*', async (c, next) => {
    if (c.req.path !== '/v1/purchases') {
      return bodyLimit({ maxSize: BODY_LIMIT_BYTES, onError: tooLarge(BODY_LIMIT_BYTES) })(c, next);
    }
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    // Node's server gives every POST a body stream, even an empty one, so the stream alone says nothing:
    // without a Content-Length, look (Hono keeps what it read for the validators).
    const length = c.req.header('content-length');
    const hasBody = length !== undefined ? length !== '0' : c.req.raw.body !== null && (await c.req.text()).length > 0;
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody) {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type)) {
        throw new Problem(415, 'request.unsupportedMediaType', 'Send the body as application/json');
      }
    }
    await next();
  });
  app.use('/v1/*', authenticate({ apiKeys: deps.apiKeys, jwtSecret: deps.jwtSecret, now: deps.now }));

  app.route('/', customerRoutes(deps));
  app.route('/', purchaseRoutes(deps));
  app.route('/', productRoutes(deps));
  app.route('/', predictionRoutes(deps));
  app.route('/', segmentRoutes(deps));
  app.route('/', insightRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (cad_…) for servers and operators, or a customer token (JWT) for storefront calls.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Cadence API',
      version: '1',
      description: 'Customer analytics for online stores. Errors are application/problem+json with a stable `code`.',
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Cadence API' }));
  return app;
}

export type App = ReturnType<typeof createApp>;
