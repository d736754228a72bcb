import { decideResidency } from '../customers/customers.model.ts';
import { CreateCustomerBody, TRUSTED_COUNTRY_HEADER, TrustedCountry } from '../customers/customers.schemas.ts';
import type { BodyLocator } from './guard.ts';

/**
 * A new customer's jurisdiction is decided from the body (residency, else country) or the shop's trusted
 * country header, and the create runs there, with the decision written into the body so the peer need not
 * trust the header again. An invalid body or an undecidable one stays here: the route answers 400 or 422.
 */
export const customerCreateLocator: BodyLocator = {
  method: 'POST',
  path: '/v1/customers',
  locate(c, body) {
    const parsed = CreateCustomerBody.safeParse(body);
    if (!parsed.success) return undefined;
    const header = c.req.header(TRUSTED_COUNTRY_HEADER);
    const trusted = header === undefined ? undefined : TrustedCountry.safeParse(header);
    if (trusted && !trusted.success) return undefined;
    const residency = decideResidency(parsed.data, trusted?.data);
    return residency ? { jurisdiction: residency, body: JSON.stringify({ ...parsed.data, residency }) } : undefined;
  },
};
