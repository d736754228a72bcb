import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { mintCustomerToken, MAX_TOKEN_TTL_SECONDS } from '../auth/customer-tokens.ts';
import { allow } from '../http/auth.ts';
import type { AppEnv } from '../http/context.ts';
import { commonErrors, conflictError, json, jsonBody, notFoundError, security, unprocessableError } from '../http/openapi.ts';
import { Problem } from '../http/problem.ts';
import { validationHook } from '../http/validation.ts';
import { CreateCustomerBody, CustomerSchema, IdempotencyKey, TrustedCountry, TRUSTED_COUNTRY_HEADER, UpdateCustomerBody } from './customers.schemas.ts';
import { CustomerIdParam as IdParam } from './customers.schemas.ts';
import type { CustomerService } from './customers.service.ts';

export interface CustomerRoutesDeps {
  customers: CustomerService;
  jwtSecret: string;
}

const createCustomer = createRoute({
  method: 'post',
  path: '/v1/customers',
  tags: ['customers'],
  summary: 'Create a customer; the jurisdiction is fixed now and is part of the id',
  security,
  middleware: [allow.scope('customers:write')] as const,
  request: {
    headers: z.object({ 'idempotency-key': IdempotencyKey.optional(), [TRUSTED_COUNTRY_HEADER]: TrustedCountry.optional() }),
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
  middleware: [allow.scopeOrSelf('customers:read')] as const,
  request: { params: IdParam },
  responses: { 200: json(CustomerSchema, 'The profile'), ...commonErrors, ...notFoundError },
});

const updateCustomer = createRoute({
  method: 'patch',
  path: '/v1/customers/{id}',
  tags: ['customers'],
  summary: 'Change a profile; id and residency cannot change',
  security,
  middleware: [allow.scope('customers:write'), rejectImmutableFields()] as const,
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
  middleware: [allow.scope('tokens:mint')] as const,
  request: { params: IdParam, body: jsonBody(TokenBody) },
  responses: {
    201: json(z.object({ token: z.string(), expiresAt: z.iso.datetime() }).openapi('CustomerToken'), 'A token'),
    ...commonErrors,
    ...notFoundError,
  },
});

export function customerRoutes(deps: CustomerRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createCustomer, async (c) => {
      const headers = c.req.valid('header');
      const key = headers['idempotency-key'];
      // Scoped to the calling key, so two clients' idempotency keys never meet.
      const p = c.var.principal;
      const idempotency = key ? { scope: p.kind === 'apiKey' ? p.keyId : p.customerId, key } : undefined;
      const { customer, created } = await deps.customers.create(c.req.valid('json'), headers[TRUSTED_COUNTRY_HEADER], idempotency);
      return c.json(customer, created ? 201 : 200, { location: `/v1/customers/${customer.id}` });
    })
    .openapi(getCustomer, async (c) => c.json(await deps.customers.get(c.req.valid('param').id), 200))
    .openapi(updateCustomer, async (c) => c.json(await deps.customers.update(c.req.valid('param').id, c.req.valid('json')), 200))
    .openapi(mintToken, async (c) => {
      const { id } = c.req.valid('param');
      const { ttlSeconds } = c.req.valid('json');
      await deps.customers.get(id);
      // Token times use the real clock: hono/jwt checks them against it.
      const issuedAt = Date.now();
      const token = await mintCustomerToken(deps.jwtSecret, id, ttlSeconds, issuedAt);
      return c.json({ token, expiresAt: new Date(issuedAt + ttlSeconds * 1000).toISOString() }, 201);
    });
}

/** `id` and `residency` are fixed at creation; saying so is clearer than "unknown field". */
function rejectImmutableFields(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
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
  };
}
