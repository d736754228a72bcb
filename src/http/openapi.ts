import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable machine-readable code, e.g. customers.notFound' }),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error answers every authenticated route can give. */
export const commonErrors = {
  400: problem('Invalid input (`request.invalid`, `request.unknownField`, `request.invalidJson`, …)'),
  401: problem('Missing or invalid credential (`auth.missing`, `auth.invalid`)'),
  403: problem('The API key lacks the scope (`auth.forbidden`)'),
  413: problem('Body too large (`request.bodyTooLarge`)'),
  415: problem('Body is not JSON (`request.unsupportedMediaType`)'),
  429: problem('The credential is over its rate limit (`request.rateLimited`); `Retry-After` says when to retry'),
  503: problem('A dependency is unavailable; retry (`storage.unavailable`, `routing.peerUnavailable`)'),
} as const;

export const notFoundError = { 404: problem('Not found') } as const;
export const conflictError = { 409: problem('Conflict') } as const;
export const unprocessableError = { 422: problem('Well-formed but cannot be processed') } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const security = [{ bearer: [] }];
