import { sha256Hex } from '../auth/api-keys.ts';
import { erasedCustomer, notFound, Problem } from '../http/problem.ts';
import type { Region } from '../regions/region.schema.ts';
import { idempotentCustomerId, newCustomerId } from '../shared/ids.ts';
import { applyUpdate, decideResidency, newCustomer } from './customers.model.ts';
import { CustomerConflictError, type CustomerRepository } from './customers.repository.ts';
import type { IdempotencyRegistry } from './idempotency.repository.ts';
import type { CreateCustomerInput, Customer, UpdateCustomerInput } from './customers.schemas.ts';

/** What follows a change of the profiling consent (the AI analyses react to it). */
export interface ConsentEffects {
  /** Withdrawn: what was derived with it goes now; throws when that could not be finished. */
  profilingWithdrawn(customerId: string): Promise<void>;
  /** Given: a model reading may now replace the statistical one. */
  profilingGranted(customerId: string): Promise<void>;
}

/** What the suppression list says about erased customers (src/privacy). */
export interface ErasedCheck {
  erasedCustomers(ids: readonly string[]): Promise<Set<string>>;
  erasedEmail(email: string): Promise<boolean>;
}

const erased = () => erasedCustomer();

export interface CustomerServiceDeps {
  region: Region;
  customers: CustomerRepository;
  idempotency: IdempotencyRegistry;
  erased: ErasedCheck;
  consent: ConsentEffects;
  /** A profile changed here: caches built from it (targeting facts, the intelligence view) drop it. */
  onChanged?: (customerId: string) => void;
  now: () => number;
}

/** What the customer service tells its listeners (the event stream): a profile created, a consent set. */
export type CustomerFact =
  | { kind: 'created'; customer: Customer }
  | { kind: 'consent'; customerId: string; profiling: boolean; at: string };
type FactListener = (fact: CustomerFact) => Promise<void>;

/** Optimistic-concurrency attempts of a PATCH before it gives up with 409. */
const UPDATE_ATTEMPTS = 5;

export class CustomerService {
  private readonly listeners: FactListener[] = [];

  constructor(private readonly deps: CustomerServiceDeps) {}

  /**
   * Hears of each profile created and each consent set, after the write. A listener that throws fails the
   * request (503 for a store outage); the retry — a create with its idempotency key, the same PATCH —
   * tells the listeners again, with the same facts.
   */
  onFact(listener: FactListener): void {
    this.listeners.push(listener);
  }

  private async tell(fact: CustomerFact): Promise<void> {
    for (const listener of this.listeners) await listener(fact);
  }

  private iso = () => new Date(this.deps.now()).toISOString();

  /**
   * Creates a customer in this jurisdiction. With an idempotency key (scoped to the caller), the id is
   * derived from the key and the create is conditional: a retry answers the first customer
   * (`created: false`), the same key with another body is 409.
   */
  async create(input: CreateCustomerInput, trustedCountry?: string, idempotency?: { scope: string; key: string }): Promise<{ customer: Customer; created: boolean }> {
    const residency = decideResidency(input, trustedCountry);
    if (!residency) {
      throw new Problem(422, 'customers.residencyUnknown', 'Give residency, country, or the trusted country header: the data must be stored in the right jurisdiction');
    }
    // The residency guard sent it here because it belongs here; anything else is a routing bug.
    if (residency !== this.deps.region.jurisdiction) throw new Problem(421, 'routing.misdirected', `This deployment does not serve ${residency} customers`);
    if (input.contact?.email && (await this.deps.erased.erasedEmail(input.contact.email))) throw erased();
    if (!idempotency) {
      const customer = newCustomer(newCustomerId(residency), residency, input, this.iso());
      await this.deps.customers.create(customer);
      await this.tell({ kind: 'created', customer });
      return { customer, created: true };
    }
    // One key, one customer: the key is bound to the jurisdiction it first created in.
    if (!(await this.deps.idempotency.claim(await sha256Hex(`${idempotency.scope}\u0000${idempotency.key}`), residency))) {
      throw new Problem(409, 'customers.idempotencyConflict', 'This idempotency key created a customer in the other jurisdiction');
    }
    const id = await idempotentCustomerId(residency, idempotency.scope, idempotency.key);
    if ((await this.deps.erased.erasedCustomers([id])).size > 0) throw erased();
    const requestHash = await sha256Hex(JSON.stringify({ ...input, residency }));
    try {
      const customer = newCustomer(id, residency, input, this.iso());
      await this.deps.customers.create(customer, requestHash);
      await this.tell({ kind: 'created', customer });
      return { customer, created: true };
    } catch (err) {
      if (!(err instanceof CustomerConflictError)) throw err;
      const existing = await this.deps.customers.getVersioned(id);
      if (existing?.requestHash !== requestHash) throw new Problem(409, 'customers.idempotencyConflict', 'This idempotency key was used for a different customer');
      await this.tell({ kind: 'created', customer: existing.customer });
      return { customer: existing.customer, created: false };
    }
  }

  async get(id: string): Promise<Customer> {
    const customer = await this.deps.customers.get(id);
    if (customer) return customer;
    throw (await this.deps.erased.erasedCustomers([id])).size > 0 ? erased() : notFound('customer');
  }

  /** Applies a PATCH with optimistic concurrency, then the consent's effects. */
  async update(id: string, patch: UpdateCustomerInput): Promise<Customer> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await this.deps.customers.getVersioned(id);
      if (!current) throw (await this.deps.erased.erasedCustomers([id])).size > 0 ? erased() : notFound('customer');
      if (patch.contact?.email && (await this.deps.erased.erasedEmail(patch.contact.email))) throw erased();
      const next = applyUpdate(current.customer, patch, this.iso());
      try {
        await this.deps.customers.replace(next, current.version, current.requestHash);
      } catch (err) {
        if (err instanceof CustomerConflictError) continue;
        throw err;
      }
      this.deps.onChanged?.(id);
      await this.consentChanged(id, patch, current.customer);
      // Set again to what it was (a retry) tells the same fact: its time is the stored one.
      if (patch.consents?.profiling !== undefined) await this.tell({ kind: 'consent', customerId: id, profiling: next.consents.profiling.granted, at: next.consents.profiling.updatedAt });
      return next;
    }
    throw new Problem(409, 'customers.concurrentUpdate', 'The profile is being changed by another request; retry');
  }

  private async consentChanged(id: string, patch: UpdateCustomerInput, before: Customer): Promise<void> {
    // On every withdrawing PATCH, not only the first: a retry after a failed deletion deletes then.
    if (patch.consents?.profiling === false) {
      await this.deps.consent.profilingWithdrawn(id).catch((err: unknown) => {
        console.error(JSON.stringify({ level: 'error', msg: 'deleting derived data after consent withdrawal failed', error: String(err) }));
        throw new Problem(503, 'insights.withdrawalIncomplete', 'Consent is withdrawn, but deleting the AI analyses failed: send the same request again');
      });
    } else if (patch.consents?.profiling === true && !before.consents.profiling.granted) {
      await this.deps.consent.profilingGranted(id).catch((err: unknown) => {
        console.error(JSON.stringify({ level: 'error', msg: 'refresh after consent failed', error: String(err) }));
      });
    }
  }
}
