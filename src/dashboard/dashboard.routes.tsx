/** @jsxImportSource hono/jsx */
import { limitOfKey } from '../ratelimit/limits.ts';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { ApiKeyRepository } from '../auth/api-keys.ts';
import { hasScope, principalOf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { Problem } from '../http/problem.ts';
import type { PeerRead } from '../residency/peer-read.ts';
import { DASHBOARD_ASSETS, DASHBOARD_ASSETS_PATH, type DashboardAssetName, type DashboardAssets } from './assets.ts';
import { chartsOf } from './charts.ts';
import { DashboardQuery, LoginForm, OPERATOR_SCOPE, StatsQuery } from './dashboard.schemas.ts';
import type { DashboardService } from './dashboard.service.ts';
import { closeSession, openSession, readSession, sessionSecret, type Session } from './session.ts';
import { LoginPage } from './views/login.tsx';
import { DashboardPage } from './views/page.tsx';

export interface DashboardRoutesDeps {
  dashboard: DashboardService;
  apiKeys: Pick<ApiKeyRepository, 'get'>;
  jwtSecret: string;
  /** The chart library and the page's own files; unset: the page renders without charts. */
  assets?: DashboardAssets;
  /** Reads the other jurisdiction's experiment sums, forwarding the session cookie (the residency layer). */
  peerRead: PeerRead;
  now: () => number;
}

export const LOGIN_BODY_LIMIT_BYTES = 4 * 1024;

/** Only this origin's scripts, styles and forms; never framed; nothing cached. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const isForm = (c: Context) => /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '');

/** Hono's csrf() (Origin or Sec-Fetch-Site must be this origin); a refusal answers problem+json like every other. */
const sameOrigin = csrf();
const csrfGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  let passed = false;
  try {
    await sameOrigin(c, async () => {
      passed = true;
    });
  } catch (err) {
    if (!(err instanceof HTTPException)) throw err;
  }
  if (!passed) throw new Problem(403, 'dashboard.crossSite', 'Forms of the operator page are accepted from its own origin only');
  await next();
};

const tooLarge = () => {
  throw new Problem(413, 'request.bodyTooLarge', `The body is larger than ${LOGIN_BODY_LIMIT_BYTES} bytes`, { limit: LOGIN_BODY_LIMIT_BYTES });
};

/**
 * The operator page (`/dashboard`): a login form that exchanges an API key with `ops:read` for a signed
 * session cookie, the page of one jurisdiction (`?jurisdiction=` is served by that jurisdiction: the
 * residency guard forwards it, cookie included), the page's static files, and the experiment sums the
 * other jurisdiction's page asks for.
 */
export function dashboardRoutes(deps: DashboardRoutesDeps) {
  const secret = sessionSecret(deps.jwtSecret);

  /** The session, while its key still exists, is not revoked and keeps the scope. */
  async function session(c: Context): Promise<Session | undefined> {
    const s = await readSession(c, await secret, deps.now());
    if (!s) return undefined;
    const record = await deps.apiKeys.get(s.keyId);
    if (!record || record.revokedAt) return undefined;
    return hasScope({ kind: 'apiKey', keyId: record.keyId, scopes: new Set(record.scopes), limit: limitOfKey(record) }, OPERATOR_SCOPE) ? s : undefined;
  }
  const loginPage = (c: Context, status: 200 | 400 | 401 | 403, error?: string, notice?: string) =>
    c.html(<LoginPage {...(error ? { error } : {})} {...(notice ? { notice } : {})} />, status, PAGE_HEADERS);

  return new Hono<AppEnv>()
    .get(`${DASHBOARD_ASSETS_PATH}/:name`, async (c) => {
      const name = c.req.param('name');
      if (!deps.assets || !Object.hasOwn(DASHBOARD_ASSETS, name)) throw new Problem(404, 'request.notFound', 'No such file');
      return deps.assets(c.req.raw, name as DashboardAssetName);
    })
    .get('/dashboard/login', async (c) => ((await session(c)) ? c.redirect('/dashboard', 303) : loginPage(c, 200)))
    .post('/dashboard/login', bodyLimit({ maxSize: LOGIN_BODY_LIMIT_BYTES, onError: tooLarge }), csrfGuard, async (c) => {
      if (!isForm(c)) throw new Problem(415, 'request.unsupportedMediaType', 'Send the login form as application/x-www-form-urlencoded');
      const body = await c.req.parseBody().catch(() => undefined);
      const form = LoginForm.safeParse(body);
      if (!form.success) return loginPage(c, 400, 'Enter an API key (cad_…).');
      const principal = await principalOf(form.data.key, async (id) => deps.apiKeys.get(id), deps.jwtSecret).catch((err: unknown) => {
        if (err instanceof Problem && err.status === 401) return undefined;
        throw err;
      });
      if (!principal) return loginPage(c, 401, 'That key is not valid: it is unknown, revoked or mistyped.');
      if (principal.kind === 'customer') return loginPage(c, 403, 'A customer token cannot open the operator page: use an operator API key.');
      if (!hasScope(principal, OPERATOR_SCOPE)) return loginPage(c, 403, `This key lacks the ${OPERATOR_SCOPE} scope.`);
      await openSession(c, await secret, principal.keyId, [...principal.scopes], deps.now());
      return c.redirect('/dashboard', 303);
    })
    .post('/dashboard/logout', csrfGuard, (c) => {
      closeSession(c);
      return c.redirect('/dashboard/login', 303);
    })
    .get('/dashboard', async (c) => {
      const s = await session(c);
      if (!s) return c.redirect('/dashboard/login', 303);
      const query = DashboardQuery.safeParse(c.req.query());
      if (!query.success) throw new Problem(400, 'request.invalid', 'The only query parameter is jurisdiction (EU or ROW)');
      const cookie = c.req.header('cookie') ?? '';
      const figures = await deps.dashboard.figures((jurisdiction, key, phase) =>
        deps.peerRead(new Request(c.req.url, { headers: { cookie } }), jurisdiction, `/dashboard/experiments/${encodeURIComponent(key)}/stats?jurisdiction=${jurisdiction}&phase=${phase}`),
      );
      const page = <DashboardPage figures={figures} charts={chartsOf(figures)} keyId={s.keyId} expiresAt={new Date(s.exp * 1000).toISOString()} />;
      return c.html(page, 200, PAGE_HEADERS);
    })
    .get('/dashboard/experiments/:key/stats', async (c) => {
      if (!(await session(c))) throw new Problem(401, 'auth.missing', 'An operator session is required (log in at /dashboard/login)');
      const query = StatsQuery.safeParse(c.req.query());
      const key = c.req.param('key');
      if (!query.success || key.length > 64) throw new Problem(400, 'request.invalid', 'jurisdiction (EU or ROW) and phase (an integer) are the only query parameters');
      return c.json(await deps.dashboard.stats(key, query.data.phase), 200, { 'cache-control': 'no-store' });
    });
}
