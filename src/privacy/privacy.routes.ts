import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustomerIdParam } from '../customers/customers.schemas.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, json, notFoundError, security } from '../http/openapi.ts';
import { validationHook } from '../http/validation.ts';
import { ExportSchema, ListQuery, PrivacyRequestSchema, RequestIdParam } from './privacy.schemas.ts';
import type { PrivacyService } from './privacy.service.ts';

export interface PrivacyRoutesDeps {
  privacy: PrivacyService;
}

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{id}/export',
  tags: ['privacy'],
  summary: "Everything Cadence holds about a customer, as one JSON document (GDPR Art. 15 and 20); streamed",
  security,
  middleware: [allow.scopeOrSelf('privacy:export')] as const,
  request: { params: CustomerIdParam },
  responses: { 200: json(ExportSchema, 'The export'), ...commonErrors, ...notFoundError, 410: json(z.object({ code: z.string() }), 'The customer was erased') },
});

const erase = createRoute({
  method: 'delete',
  path: '/v1/customers/{id}',
  tags: ['privacy'],
  summary: 'Erase a customer (GDPR Art. 17): 202 with the request; a second request answers the first one',
  description: 'Every personal item of the customer goes from every table of the jurisdiction; the id and email are suppressed (purchases or a profile for them answer 410 `customers.erased`); cost-ledger lines stay without the customer link.',
  security,
  middleware: [allow.scopeOrSelf('privacy:erase')] as const,
  request: { params: CustomerIdParam },
  responses: { 202: json(PrivacyRequestSchema, 'The erasure request'), ...commonErrors, ...notFoundError },
});

const getRequest = createRoute({
  method: 'get',
  path: '/v1/privacy-requests/{id}',
  tags: ['privacy'],
  summary: 'A privacy request: received, running, completed (counts per table) or failed (what is left)',
  security,
  middleware: [allow.scope('privacy:read')] as const,
  request: { params: RequestIdParam },
  responses: { 200: json(PrivacyRequestSchema, 'The request'), ...commonErrors, ...notFoundError },
});

const listRequests = createRoute({
  method: 'get',
  path: '/v1/privacy-requests',
  tags: ['privacy'],
  summary: "A jurisdiction's privacy requests, newest first (the audit; keyed hashes, no personal data)",
  security,
  middleware: [allow.scope('privacy:read')] as const,
  request: { query: ListQuery },
  responses: { 200: json(z.object({ items: z.array(PrivacyRequestSchema) }).openapi('PrivacyRequestList'), 'The requests'), ...commonErrors },
});

export function privacyRoutes(deps: PrivacyRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(exportRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { body, jobId } = await deps.privacy.exportOf(id);
      // The tracked job `privacy.export` (owners written of owners) is named in a header: the body is the export.
      const headers = { 'content-type': 'application/json', 'content-disposition': `attachment; filename="cadence-export-${id}.json"`, 'cache-control': 'no-store', ...(jobId ? { 'cadence-job-id': jobId } : {}) };
      return c.body(body, 200, headers) as never;
    })
    .openapi(erase, async (c) => {
      const p = c.var.principal;
      const request = await deps.privacy.erasure.request(c.req.valid('param').id, p.kind === 'apiKey' ? p.keyId : 'customer');
      return c.json(request, 202, { location: `/v1/privacy-requests/${request.id}` });
    })
    .openapi(getRequest, async (c) => c.json(await deps.privacy.request(c.req.valid('param').id), 200))
    .openapi(listRequests, async (c) => c.json({ items: await deps.privacy.list(c.req.valid('query').status) }, 200));
}
