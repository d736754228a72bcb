import { z } from '@hono/zod-openapi';
import { REQUEST_ID_PATTERN } from './privacy.model.ts';

export const PrivacyRequestSchema = z
  .object({
    id: z.string(),
    type: z.literal('erasure'),
    jurisdiction: z.enum(['EU', 'ROW']),
    subject: z.string().openapi({ description: 'A keyed hash (HMAC-SHA-256) of the customer id: the audit names no one' }),
    status: z.enum(['received', 'running', 'completed', 'failed']),
    requestedBy: z.string().openapi({ description: 'The API key id, or "customer" for the customer\'s own token' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    erased: z.record(z.string(), z.number().int()).openapi({ description: 'Items erased per table' }),
    remaining: z.record(z.string(), z.number().int()).openapi({ description: 'Items still found per table at the last check (all 0 when completed)' }),
    attempts: z.number().int(),
    error: z.string().optional(),
    jobId: z.string().optional().openapi({ description: 'The tracked job `privacy.erasure` (`GET /v1/ops/jobs/{id}`): owners erased of owners, failures by owner; its id names no one' }),
  })
  .openapi('PrivacyRequest');

export const RequestIdParam = z.object({ id: z.string().regex(REQUEST_ID_PATTERN, 'prq_eu_… or prq_row_…').openapi({ param: { name: 'id', in: 'path' } }) });

export const ListQuery = z
  .object({ status: z.enum(['received', 'running', 'completed', 'failed']).optional(), jurisdiction: z.enum(['EU', 'ROW']).optional() })
  .strict();

export const ExportSchema = z
  .object({
    format: z.literal('cadence-export-1'),
    customerId: z.string(),
    exportedAt: z.iso.datetime(),
    sections: z.record(z.string(), z.array(z.unknown())).openapi({ description: 'Every personal item Cadence holds, by table (customers, purchases, predictions, segments, insights, …) and the privacy requests' }),
  })
  .openapi('CustomerExport');
