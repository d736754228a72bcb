import { z } from '@hono/zod-openapi';
import { countryCodes } from '../shared/countries.ts';
import { CUSTOMER_ID_PATTERN } from '../residency/jurisdiction.ts';
import { FreeText } from '../shared/text.ts';

export const CustomerId = z
  .string()
  .regex(CUSTOMER_ID_PATTERN, 'a customer id such as cus_eu_… or cus_row_…')
  .openapi({ example: 'cus_eu_7k2m9q4x1c8v3b6n0p5r' });

/** The `:id` path parameter of every customer-scoped route. */
export const CustomerIdParam = z.object({ id: CustomerId.openapi({ param: { name: 'id', in: 'path' } }) });

export const Country = z
  .string()
  .refine((v) => countryCodes.has(v), 'an ISO 3166-1 alpha-2 country code in upper case')
  .openapi({ example: 'DE' });

export const TRUSTED_COUNTRY_HEADER = 'x-cadence-customer-country';

/** The customer's country as the storefront backend knows it, in a header the shop's backend sets. */
export const TrustedCountry = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .pipe(Country)
  .openapi({ description: "Customer's country (ISO 3166-1 alpha-2) as the storefront backend knows it; used when the body has neither residency nor country." });

export const IdempotencyKey = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII')
  .openapi({ description: 'A retried create with the same key (from the same API key) returns the customer created the first time (200) instead of a second one; the same key with another body is 409.' });

export const Residency = z.enum(['EU', 'ROW']).openapi({ description: 'Jurisdiction whose tables hold the customer.' });

const Source = z.enum(['self_declared', 'shop_entered', 'imported']);

const attribute = <T extends z.ZodType>(value: T) => z.object({ value, source: Source }).strict();

export const DeclaredAttributes = z
  .object({
    householdSize: attribute(z.number().int().min(1).max(20)).nullable().optional(),
    ageBand: attribute(z.enum(['under_18', '18_24', '25_34', '35_44', '45_54', '55_64', '65_plus'])).nullable().optional(),
    incomeBand: attribute(z.enum(['low', 'lower_middle', 'middle', 'upper_middle', 'high'])).nullable().optional(),
  })
  .strict()
  .openapi('DeclaredAttributes', { description: 'Socioeconomic attributes the customer or the shop declared; each optional, with its source.' });

const Contact = z
  .object({
    email: z.email().max(254).nullable().optional(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, for example +4930123456').nullable().optional(),
  })
  .strict();

const ConsentsInput = z
  .object({ profiling: z.boolean().optional(), marketing: z.boolean().optional() })
  .strict()
  .openapi({ description: 'true gives consent, false withdraws it; the time is recorded by Cadence.' });

const DisplayName = FreeText(200);

export const CreateCustomerBody = z
  .object({
    displayName: DisplayName.optional(),
    contact: Contact.optional(),
    country: Country.optional(),
    residency: Residency.optional(),
    consents: ConsentsInput.optional(),
    attributes: DeclaredAttributes.optional(),
  })
  .strict()
  .openapi('CreateCustomer');

export const UpdateCustomerBody = z
  .object({
    displayName: DisplayName.nullable().optional(),
    contact: Contact.optional(),
    country: Country.nullable().optional(),
    consents: ConsentsInput.optional(),
    attributes: DeclaredAttributes.optional(),
  })
  .strict()
  .openapi('UpdateCustomer', { description: '`id` and `residency` cannot change. `null` removes a field.' });

const Consent = z.object({ granted: z.boolean(), updatedAt: z.iso.datetime() });

export const CustomerSchema = z
  .object({
    id: CustomerId,
    residency: Residency,
    country: Country.optional(),
    displayName: z.string().optional(),
    contact: z.object({ email: z.string().optional(), phone: z.string().optional() }),
    consents: z.object({ profiling: Consent, marketing: Consent }),
    profilingObjectedAt: z.iso.datetime().optional().openapi({
      description: 'Set when the customer withdrew the profiling consent (an objection, GDPR Art. 21): predictions, segments, AI analyses and personal recommendations are not made for them, and what was derived is deleted; the purchase history stays. Cleared when consent is given again.',
    }),
    attributes: z.object({
      householdSize: attribute(z.number()).optional(),
      ageBand: attribute(z.string()).optional(),
      incomeBand: attribute(z.string()).optional(),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Customer');

export type Customer = z.infer<typeof CustomerSchema>;
export type CreateCustomerInput = z.infer<typeof CreateCustomerBody>;
export type UpdateCustomerInput = z.infer<typeof UpdateCustomerBody>;
