import type { Hono } from 'hono';
import { Problem } from './problem.ts';

/** A registered route's path as a matcher: `:param` segments match one segment. */
const matcherOf = (path: string) => new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`);

/**
 * The answer for a request no route takes: 405 with `Allow` when the path exists with other methods
 * (a wrong method is not a missing page), else 404. Routes are read from the app on first use, when all
 * are mounted.
 */
export function noRouteAnswer(app: Hono<never>) {
  let routes: { matcher: RegExp; method: string }[] | undefined;
  return (path: string): Response => {
    routes ??= app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*')).map((r) => ({ matcher: matcherOf(r.path), method: r.method }));
    const allowed = [...new Set(routes.filter((r) => r.matcher.test(path)).map((r) => r.method))];
    if (allowed.length === 0) return new Problem(404, 'request.notFound', 'No such route').toResponse();
    if (allowed.includes('GET')) allowed.push('HEAD');
    return new Problem(405, 'request.methodNotAllowed', `This route answers ${allowed.join(', ')}`, { allow: allowed }).toResponse({ allow: allowed.join(', ') });
  };
}
