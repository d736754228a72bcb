import { jobRoutes } from './jobs/jobs.routes.ts';
import type { JobService } from './jobs/jobs.service.ts';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { accuracyRoutes } from './accuracy/accuracy.routes.ts';
import type { AccuracyService } from './accuracy/accuracy.service.ts';
import type { ApiKeyRepository } from './auth/api-keys.ts';
import { customerRoutes } from './customers/customers.routes.ts';
import { experimentRoutes } from './experiments/experiments.routes.ts';
import type { ExperimentService } from './experiments/experiments.service.ts';
import type { CustomerService } from './customers/customers.service.ts';
import { authenticate } from './http/auth.ts';
import type { AppEnv } from './http/context.ts';
import { mountDocs, type DocsAsset } from './http/docs.ts';
import { handleError } from './http/errors.ts';
import { metricsRoutes } from './ops/metrics.routes.ts';
import { requestMetrics } from './ops/request-metrics.ts';
import { noRouteAnswer } from './http/methods.ts';
import { Problem } from './http/problem.ts';
import { validationHook } from './http/validation.ts';
import { insightRoutes } from './insights/insights.routes.ts';
import type { InsightsService } from './insights/insights.service.ts';
import { predictionRoutes } from './predictions/predictions.routes.ts';
import type { PredictionService } from './predictions/predictions.service.ts';
import { productRoutes } from './products/products.routes.ts';
import type { ProductService } from './products/products.service.ts';
import { privacyRoutes } from './privacy/privacy.routes.ts';
import type { PrivacyService } from './privacy/privacy.service.ts';
import { purchaseRoutes } from './purchases/purchases.routes.ts';
import type { PurchaseService } from './purchases/purchases.service.ts';
import type { Region } from './regions/region.schema.ts';
import { customerCreateLocator } from './residency/customer-create.ts';
import { residencyGuard } from './residency/guard.ts';
import { peerRead } from './residency/peer-read.ts';
import type { Peers } from './residency/peers.ts';
import { purchaseSplit } from './residency/purchase-split.ts';
import { recommendationRoutes } from './recommendations/recommendations.routes.ts';
import type { RecommendationService } from './recommendations/recommendations.service.ts';
import { segmentRoutes } from './segments/segments.routes.ts';
import type { CredentialCache } from './http/credentials.ts';
import { rateLimit, type RateLimiter } from './ratelimit/limiter.ts';
import { intelligenceRoutes } from './storefront/intelligence.routes.ts';
import type { IntelligenceService } from './storefront/intelligence.service.ts';
import type { ViewCache } from './storefront/view-cache.ts';
import type { SegmentService } from './segments/segments.service.ts';
import { streamingRoutes } from './streaming/streaming.routes.ts';
import type { DashboardAssets } from './dashboard/assets.ts';
import { dashboardRoutes } from './dashboard/dashboard.routes.tsx';
import type { DashboardService } from './dashboard/dashboard.service.ts';
import type { StreamingService } from './streaming/streaming.service.ts';
import { requestDefer } from './shared/defer.ts';

/** What one deployment's app is built from (src/deps.ts builds it once per isolate). */
export interface AppDeps {
  /** The deployment this app serves; its jurisdiction's personal tables are the only ones it can reach. */
  region: Region;
  /** Deployments of the jurisdictions this one does not serve. */
  peers: Peers;
  apiKeys: ApiKeyRepository;
  jwtSecret: string;
  /** Storefront origins allowed to call from a browser (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** The API reference page's script (served from this origin so the page works offline). */
  docsAsset?: DocsAsset;
  /** The operator page's chart library, script and styles (served from this origin too). */
  dashboardAssets?: DashboardAssets;
  /** Serialized storefront answers and verified credentials, shared with the storefront fast path. */
  views: ViewCache;
  credentials: CredentialCache;
  /** Per-credential rate limits (shared with the fast path): after authentication, before everything else. */
  limiter: RateLimiter;
  /** Readiness probes of the stores this deployment depends on, by name. */
  readiness?: Record<string, () => Promise<void>>;
  services: {
    customers: CustomerService;
    purchases: PurchaseService;
    products: ProductService;
    predictions: PredictionService;
    segments: SegmentService;
    insights: InsightsService;
    privacy: PrivacyService;
    intelligence: IntelligenceService;
    experiments: ExperimentService;
    recommendations: RecommendationService;
    streaming: StreamingService;
    dashboard: DashboardService;
    accuracy: AccuracyService;
    jobs: JobService;
  };
  now: () => number;
}

export const SERVED_BY = 'cadence-served-by';
export const BODY_LIMIT_BYTES = 64 * 1024;
export const PURCHASES_BODY_LIMIT_BYTES = 1024 * 1024;

/** Each feature's routes from the app's dependencies; each takes only what it uses. */
export const FEATURES = [
  (d: AppDeps) => customerRoutes({ customers: d.services.customers, jwtSecret: d.jwtSecret }),
  (d: AppDeps) => purchaseRoutes({ purchases: d.services.purchases }),
  (d: AppDeps) => productRoutes({ products: d.services.products }),
  (d: AppDeps) => predictionRoutes({ predictions: d.services.predictions, jobs: d.services.jobs, views: d.views, now: d.now }),
  (d: AppDeps) => segmentRoutes({ segments: d.services.segments, views: d.views, now: d.now }),
  (d: AppDeps) => insightRoutes({ insights: d.services.insights, views: d.views, now: d.now }),
  (d: AppDeps) => privacyRoutes({ privacy: d.services.privacy }),
  (d: AppDeps) => intelligenceRoutes({ intelligence: d.services.intelligence, views: d.views }),
  (d: AppDeps) => experimentRoutes({ experiments: d.services.experiments, peerRead: peerRead(d.region, d.peers) }),
  (d: AppDeps) => recommendationRoutes({ recommendations: d.services.recommendations, jobs: d.services.jobs, views: d.views, now: d.now }),
  (d: AppDeps) => streamingRoutes({ streaming: d.services.streaming }),
  (d: AppDeps) => accuracyRoutes({ accuracy: d.services.accuracy }),
  (d: AppDeps) => jobRoutes({ jobs: d.services.jobs }),
] as const;

/** Every feature's routes chained in one value, so their types add up: what Hono's typed client reads. */
function allRoutes(d: AppDeps) {
  const [customers, purchases, products, predictions, segments, insights, privacy, intelligence, experiments, recommendations, streaming, accuracy, jobs] = FEATURES;
  return new OpenAPIHono<AppEnv>()
    .route('/', customers(d))
    .route('/', purchases(d))
    .route('/', products(d))
    .route('/', predictions(d))
    .route('/', segments(d))
    .route('/', insights(d))
    .route('/', privacy(d))
    .route('/', intelligence(d))
    .route('/', experiments(d))
    .route('/', recommendations(d))
    .route('/', streaming(d))
    .route('/', accuracy(d))
    .route('/', jobs(d));
}

/**
 * The API's type for Hono's typed client: `hc<AppType>(url)` gives a shop's TypeScript storefront or
 * backend every route with its parameters, body and answer typed (see the README).
 */
export type AppType = ReturnType<typeof allRoutes>;

const tooLarge = (limit: number) => () => {
  throw new Problem(413, 'request.bodyTooLarge', `The body is larger than ${limit} bytes`, { limit });
};

/**
 * The one Hono app. Shared layers run in this order on every `/v1` request: body limit, content type,
 * authentication, the credential's rate limit, residency (a request about another jurisdiction is forwarded
 * there, whatever route it
 * is for), then the feature's route (authorisation, validation, handler).
 */
export function createApp(deps: AppDeps, features: readonly ((d: AppDeps) => OpenAPIHono<AppEnv>)[] = FEATURES) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(handleError);
  const noRoute = noRouteAnswer(app as never);
  app.notFound((c) => noRoute(c.req.path));
  app.use('*', requestDefer);
  app.use('*', requestMetrics(deps.region.id));

  // Which deployment answered: forwarded answers keep the header of the deployment that served them.
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has(SERVED_BY)) c.res.headers.set(SERVED_BY, deps.region.id);
  });

  // Liveness: the process answers. Readiness: every store it depends on answers too.
  app.get('/health', (c) => c.json({ status: 'ok', region: deps.region.id, jurisdiction: deps.region.jurisdiction, time: new Date(deps.now()).toISOString() }));
  app.get('/health/ready', async (c) => {
    const checks = await Promise.all(
      Object.entries(deps.readiness ?? {}).map(async ([name, probe]) => [name, await probe().then(() => 'ok', (err: unknown) => `unavailable: ${err instanceof Error ? err.name : 'error'}`)] as const),
    );
    const ready = checks.every(([, v]) => v === 'ok');
    const body = { status: ready ? 'ready' : 'unavailable', region: deps.region.id, checks: Object.fromEntries(checks) };
    return c.json(body, ready ? 200 : 503, ready ? {} : { 'retry-after': '5' });
  });

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
  app.use('/v1/*', async (c, next) => {
    const limit = c.req.path === '/v1/purchases' ? PURCHASES_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES;
    return bodyLimit({ maxSize: limit, onError: tooLarge(limit) })(c, next);
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
  const auth = authenticate({ apiKeys: deps.apiKeys, jwtSecret: deps.jwtSecret, credentials: deps.credentials, now: deps.now });
  app.use('/v1/*', auth);
  app.use('/metrics', auth);
  const limit = rateLimit(deps.limiter);
  app.use('/v1/*', limit);
  app.use('/metrics', limit);
  const { purchases } = deps.services;
  app.use('/v1/*', residencyGuard({
    region: deps.region,
    peers: deps.peers,
    bodyLocators: [customerCreateLocator],
    splitters: [purchaseSplit({ checkWhole: (body) => void purchases.linesOf(body), checkLocal: (body) => purchases.checkCustomers(purchases.linesOf(body)) })],
  }));

  app.route('/', metricsRoutes());
  // The operator page: its own session (a cookie, not a bearer); `?jurisdiction=` is served there, cookie and all.
  const dashboardGuard = residencyGuard({ region: deps.region, peers: deps.peers, forwardHeaders: ['cookie'] });
  app.use('/dashboard', dashboardGuard);
  app.use('/dashboard/*', dashboardGuard);
  app.route('/', dashboardRoutes({
    dashboard: deps.services.dashboard,
    apiKeys: deps.apiKeys,
    jwtSecret: deps.jwtSecret,
    ...(deps.dashboardAssets ? { assets: deps.dashboardAssets } : {}),
    peerRead: peerRead(deps.region, deps.peers, ['cookie']),
    now: deps.now,
  }));
  if (features === FEATURES) app.route('/', allRoutes(deps));
  else for (const feature of features) app.route('/', feature(deps));

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
  mountDocs(app as never, deps.docsAsset);
  return app;
}

export type App = ReturnType<typeof createApp>;
