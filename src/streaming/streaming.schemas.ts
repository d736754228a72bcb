import { z } from '@hono/zod-openapi';
import { Jurisdiction } from '../regions/region.schema.ts';

export const LiveQuery = z.object({ jurisdiction: Jurisdiction.optional() }).strict();

export const LiveStreamQuery = z
  .object({
    jurisdiction: Jurisdiction.optional(),
    /** Seconds between two events. */
    every: z.coerce.number().int().min(1).max(60).default(5),
    /** How many events before the server closes the stream (the client reconnects). */
    count: z.coerce.number().int().min(1).max(720).default(120),
  })
  .strict();

const Amounts = z.record(z.string(), z.number()).openapi({ example: { EUR: 1234.5 } });

export const LiveSchema = z
  .object({
    jurisdiction: Jurisdiction,
    stream: z.string(),
    asOf: z.string(),
    window: z.object({ from: z.string(), to: z.string(), trendingFrom: z.string() }),
    today: z.string().openapi({ description: 'The UTC day that `becameDueToday` counts', example: '2026-12-01' }),
    becameDueToday: z
      .number()
      .int()
      .openapi({
        description:
          "Customers whose predicted next purchase entered the due window (status due_soon or due) today, UTC, as their predictions' recomputes saw it: each customer once per purchase interval, exactly once under redelivery; starts at 0 each midnight UTC. A count, never ids.",
      }),
    ordersLastHour: z.number().int(),
    revenueLastHour: Amounts,
    linesLastHour: z.number().int(),
    activeCustomersLastHour: z.number().int().openapi({ description: 'Distinct customers who bought (HyperLogLog estimate, ~3% error)' }),
    customersCreatedLastHour: z.number().int(),
    trendingProducts: z.array(z.object({ productId: z.string(), quantity: z.number() })),
    perMinute: z.array(
      z.object({
        minute: z.string(),
        orders: z.number().int(),
        lines: z.number().int(),
        revenue: Amounts,
        byRegion: z.record(z.string(), z.object({ orders: z.number().int(), revenue: Amounts })),
      }),
    ),
    consumer: z.array(z.object({ shardId: z.string(), finished: z.boolean(), updatedAt: z.string() })),
  })
  .openapi('LiveAnalytics');
