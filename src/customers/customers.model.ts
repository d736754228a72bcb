import type { Jurisdiction } from '../regions/region.schema.ts';
import { eeaCountries } from '../shared/countries.ts';
import type { CreateCustomerInput, Customer, UpdateCustomerInput } from './customers.schemas.ts';

/**
 * A customer's jurisdiction, fixed at creation: the explicit `residency`, else the `country` field,
 * else the country the storefront backend vouched for in a trusted header. Undefined when none is known:
 * guessing could put an EU resident's data outside the EU.
 */
export function decideResidency(input: CreateCustomerInput, trustedCountry: string | undefined): Jurisdiction | undefined {
  if (input.residency) return input.residency;
  const country = input.country ?? trustedCountry;
  if (!country) return undefined;
  return eeaCountries.has(country) ? 'EU' : 'ROW';
}

export function newCustomer(id: string, residency: Jurisdiction, input: CreateCustomerInput, now: string): Customer {
  // Not giving consent at sign-up is not an objection: only withdrawing it later is.
  const { profilingObjectedAt: _, ...customer } = applyUpdate(
    {
      id,
      residency,
      contact: {},
      consents: { profiling: { granted: false, updatedAt: now }, marketing: { granted: false, updatedAt: now } },
      attributes: {},
      createdAt: now,
      updatedAt: now,
    },
    { ...input },
    now,
  );
  return customer;
}

/** Whether the customer objected to profiling: nothing is derived from their data for them. */
export const objectsToProfiling = (c: Customer): boolean => c.profilingObjectedAt !== undefined;

/** Applies a PATCH: `undefined` keeps a field, `null` removes it; a consent's time moves only when it changes. */
export function applyUpdate(current: Customer, patch: UpdateCustomerInput, now: string): Customer {
  const next: Customer = structuredClone(current);
  if (patch.displayName !== undefined) setOrDelete(next, 'displayName', patch.displayName);
  if (patch.country !== undefined) setOrDelete(next, 'country', patch.country);
  if (patch.contact) {
    for (const key of ['email', 'phone'] as const) {
      const v = patch.contact[key];
      if (v !== undefined) setOrDelete(next.contact, key, v);
    }
  }
  if (patch.consents) {
    for (const key of ['profiling', 'marketing'] as const) {
      const granted = patch.consents[key];
      if (granted !== undefined && granted !== next.consents[key].granted) next.consents[key] = { granted, updatedAt: now };
    }
    // Withdrawing profiling is an objection to it (whatever it was before); giving it again lifts it.
    if (patch.consents.profiling === false) next.profilingObjectedAt ??= now;
    if (patch.consents.profiling === true) delete next.profilingObjectedAt;
  }
  if (patch.attributes) {
    for (const key of ['householdSize', 'ageBand', 'incomeBand'] as const) {
      const v = patch.attributes[key];
      if (v !== undefined) setOrDelete(next.attributes, key, v);
    }
  }
  next.updatedAt = now;
  return next;
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value === null) delete target[key];
  else target[key] = value;
}
