import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { sha256Hex } from '../auth/api-keys.ts';
import { mintCustomerToken, MAX_TOKEN_TTL_SECONDS } from '../auth/customer-tokens.ts';
import { requireScope, requireScopeOrSelf } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, conflictError, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { forwardToJurisdiction, peerAnswer } from '../residency/peers.ts';
import { notFound, Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { idempotentCustomerId, jurisdictionOfCustomerId, newCustomerId } from '../shared/ids.ts';
import type { AppDeps } from '../app.ts';
import { applyUpdate, decideResidency, newCustomer } from './customers.model.ts';
import { CustomerConflictError } from './customers.repository.ts';
import { Country, CreateCustomerBody, CustomerId, CustomerSchema, UpdateCustomerBody } from './customers.schemas.ts';

const IdParam = z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) });
const TRUSTED_COUNTRY_HEADER = 'x-cadence-customer-country';

const createCustomer = createRoute({
  method: 'post',
  path: '/v1/customers',
  tags: ['customers'],
  summary: 'Create a customer; the jurisdiction is fixed now and is part of the id',
  security,
  request: {
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(8)
        .max(128)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII')
        .optional()
        .openapi({ description: 'A retried create with the same key (from the same API key) returns the customer created the first time (200) instead of a second one; the same key with another body is 409.' }),
      [TRUSTED_COUNTRY_HEADER]: z
        .string()
        .transform((v) => v.trim().toUpperCase())
        .pipe(Country)
        .optional()
        .openapi({ description: "Customer's country (ISO 3166-1 alpha-2) as the storefront backend knows it; used when the body has neither residency nor country." }),
    }),
    body: jsonBody(CreateCustomerBody),
  },
  responses: { 201: json(CustomerSchema, 'Created'), 200: json(CustomerSchema, 'Already created by this idempotency key'), ...commonErrors, ...conflictError, ...unprocessableError },
});

const getCustomer = createRoute({
  method: 'get',
  path: '/v1/customers/{id}',
  tags: ['customers'],
  summary: "A customer's profile (API key with customers:read, or the customer's own token)",
  security,
  request: { params: IdParam },
  responses: { 200: json(CustomerSchema, 'The profile'), ...commonErrors, ...notFoundError },
});

const updateCustomer = createRoute({
  method: 'patch',
  path: '/v1/customers/{id}',
  tags: ['customers'],
  summary: 'Change a profile; id and residency cannot change',
  security,
  request: { params: IdParam, body: jsonBody(UpdateCustomerBody) },
  responses: { 200: json(CustomerSchema, 'The updated profile'), ...commonErrors, ...notFoundError, ...conflictError },
});

const TokenBody = z
  .object({ ttlSeconds: z.number().int().min(60).max(MAX_TOKEN_TTL_SECONDS).default(3600) })
  .strict()
  .openapi('CustomerTokenRequest');

const mintToken = createRoute({
  method: 'post',
  path: '/v1/customers/{id}/tokens',
  tags: ['customers'],
  summary: 'Mint a storefront token for a customer (tokens:mint)',
  security,
  request: { params: IdParam, body: jsonBody(TokenBody) },
  responses: {
    201: json(z.object({ token: z.string(), expiresAt: z.iso.datetime() }).openapi('CustomerToken'), 'A token'),
    ...commonErrors,
    ...notFoundError,
  },
});

export function customerRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { customers } = deps;
  const now = () => new Date(deps.now()).toISOString();

  // A customer's data lives only in its jurisdiction: anything about another jurisdiction's customer is
  // handed to a deployment there before this one reads or writes a byte of it.
  const forwardIfForeign: MiddlewareHandler<AppEnv> = async (c, next) => {
    const jurisdiction = jurisdictionOfCustomerId(c.req.param('id') ?? '');
    if (!jurisdiction) throw new Problem(400, 'request.invalidId', 'Not a customer id (cus_eu_… or cus_row_…)');
    if (jurisdiction === deps.region.jurisdiction) return next();
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.text();
    c.res = await forwardToJurisdiction(deps.peers, jurisdiction, deps.region.id, c.req.raw, body);
  };
  app.use('/v1/customers/:id/*', forwardIfForeign);
  app.use('/v1/customers/:id', forwardIfForeign);

  return app
    .openapi(createCustomer, async (c) => {
      requireScope(c, 'customers:write');
      const body = c.req.valid('json');
      const trusted = c.req.valid('header')[TRUSTED_COUNTRY_HEADER];
      const residency = decideResidency(body, trusted);
      if (!residency) {
        throw new Problem(422, 'customers.residencyUnknown', 'Give residency, country, or the trusted country header: the data must be stored in the right jurisdiction');
      }
      if (residency !== deps.region.jurisdiction) {
        return peerAnswer(
          await forwardToJurisdiction(deps.peers, residency, deps.region.id, c.req.raw, JSON.stringify({ ...body, residency })),
        );
      }
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      if (!idempotencyKey) {
        const customer = newCustomer(newCustomerId(residency), residency, body, now());
        await customers.create(customer);
        return c.json(customer, 201, { location: `/v1/customers/${customer.id}` });
      }
      // Scoped to the calling key, so two clients' idempotency keys never meet.
      const principal = c.var.principal;
      const scope = principal.kind === 'apiKey' ? principal.keyId : principal.customerId;
      const id = await idempotentCustomerId(residency, scope, idempotencyKey);
      const requestHash = await sha256Hex(JSON.stringify({ ...body, residency }));
      try {
        const customer = newCustomer(id, residency, body, now());
        await customers.create(customer, requestHash);
        return c.json(customer, 201, { location: `/v1/customers/${customer.id}` });
      } catch (err) {
        if (!(err instanceof CustomerConflictError)) throw err;
        const existing = await customers.getVersioned(id);
        if (existing?.requestHash !== requestHash) {
          throw new Problem(409, 'customers.idempotencyConflict', 'This idempotency key was used for a different customer');
        }
        return c.json(existing.customer, 200, { location: `/v1/customers/${id}` });
      }
    })
    .openapi(getCustomer, async (c) => {
      const { id } = c.req.valid('param');
      requireScopeOrSelf(c, 'customers:read', id);
      const customer = await customers.get(id);
      if (!customer) throw notFound('customer');
      return c.json(customer, 200);
    })
    .openapi(
      { ...updateCustomer, middleware: [rejectImmutableFields] as const },
      async (c) => {
        const { id } = c.req.valid('param');
        requireScope(c, 'customers:write');
        const patch = c.req.valid('json');
        for (let attempt = 0; attempt < 5; attempt++) {
          const current = await customers.getVersioned(id);
          if (!current) throw notFound('customer');
          const next = applyUpdate(current.customer, patch, now());
          try {
            await customers.replace(next, current.version, current.requestHash);
            // Profiling consent withdrawn: the model's analyses go now, and new jobs check consent themselves.
            // On every such PATCH, not only the first: a retry after a failed deletion deletes them then.
            if (patch.consents?.profiling === false) {
              await deps.insights.consentWithdrawn(id).catch((err: unknown) => {
                console.error(JSON.stringify({ level: 'error', msg: 'deleting AI analyses after consent withdrawal failed', error: String(err) }));
                throw new Problem(503, 'insights.withdrawalIncomplete', 'Consent is withdrawn, but deleting the AI analyses failed: send the same request again');
              });
            } else if (patch.consents?.profiling === true && !current.customer.consents.profiling.granted) {
              // Consent given: the statistical stand-in can now be replaced by a model reading.
              await deps.insights.requestRefresh(id, 'on_demand').catch((err: unknown) => {
                console.error(JSON.stringify({ level: 'error', msg: 'refresh after consent failed', error: String(err) }));
              });
            }
            return c.json(next, 200);
          } catch (err) {
            if (!(err instanceof CustomerConflictError)) throw err;
          }
        }
        throw new Problem(409, 'customers.concurrentUpdate', 'The profile is being changed by another request; retry');
      },
    )
    .openapi(mintToken, async (c) => {
      const { id } = c.req.valid('param');
      requireScope(c, 'tokens:mint');
      const { ttlSeconds } = c.req.valid('json');
      if (!(await customers.get(id))) throw notFound('customer');
      // Token times use the real clock: hono/jwt checks them against it.
      const issuedAt = Date.now();
      const token = await mintCustomerToken(deps.jwtSecret, id, ttlSeconds, issuedAt);
      return c.json({ token, expiresAt: new Date(issuedAt + ttlSeconds * 1000).toISOString() }, 201);
    });
}

/** `id` and `residency` are fixed at creation; saying so is clearer than "unknown field". */
async function rejectImmutableFields(c: { req: { json: () => Promise<unknown> } }, next: () => Promise<void>) {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return next(); // the validator reports malformed JSON
  }
  if (body && typeof body === 'object') {
    const fixed = ['id', 'residency'].filter((k) => k in body);
    if (fixed.length > 0) {
      throw new Problem(400, 'customers.immutableField', `${fixed.join(' and ')} cannot be changed`, {
        errors: fixed.map((path) => ({ path, code: 'immutable', message: 'fixed when the customer was created' })),
      });
    }
  }
  await next();
}
