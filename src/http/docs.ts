import { Scalar } from '@scalar/hono-api-reference';
import type { Hono } from 'hono';

/** Where the API reference's script is served from: the app's own origin, never a CDN (offline too). */
export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

/** Serves the reference's script; each entry knows where it keeps it (a file under Node, static assets on Workers). */
export type DocsAsset = (request: Request) => Promise<Response>;

/** `/docs` (the Scalar page over `/openapi.json`) and its script from this origin. */
export function mountDocs(app: Hono<never>, asset: DocsAsset | undefined): void {
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Cadence API', cdn: DOCS_SCRIPT_PATH }));
  app.get(DOCS_SCRIPT_PATH, async (c) => (asset ? asset(c.req.raw) : c.text('The API reference script is not bundled with this deployment', 404)));
}
