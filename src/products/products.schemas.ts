import { z } from '@hono/zod-openapi';
import { EXTERNAL_ID_PATTERN } from '../shared/ids.ts';
import { Amount, Currency, Quantity } from '../shared/money.ts';
import { FreeText } from '../shared/text.ts';

export const ProductId = z
  .string()
  .regex(EXTERNAL_ID_PATTERN, "the shop's product id (SKU): letters, digits and . _ : -, up to 128 characters")
  .openapi({ example: 'coffee-beans-1kg' });

export const Category = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_\-/]{0,63}$/, 'lower case, digits, _ - /, up to 64 characters')
  .openapi({ example: 'coffee' });

export const PackUnit = z.enum(['item', 'g', 'kg', 'ml', 'l', 'm', 'dose']);

export const PutProductBody = z
  .object({
    name: FreeText(200),
    category: Category,
    price: Amount,
    currency: Currency,
    packSize: Quantity,
    packUnit: PackUnit,
    consumable: z.boolean().openapi({ description: 'Bought again when used up (coffee, nappies), as opposed to durable goods.' }),
  })
  .strict()
  .openapi('PutProduct');

export const ProductSchema = PutProductBody.extend({ id: ProductId, updatedAt: z.iso.datetime() }).openapi('Product');

export type Product = z.infer<typeof ProductSchema>;
export type PutProductInput = z.infer<typeof PutProductBody>;
