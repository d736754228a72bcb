import type { KeyedHasher } from './keyed-hash.ts';
import type { PrivacyRepository } from './privacy.repository.ts';

/**
 * The suppression list as the features ask it: an erased customer's id and email are refused (410
 * `customers.erased`) wherever they come back, so an erasure is not undone by the next order sync.
 */
export class Suppression {
  constructor(
    private readonly privacy: Pick<PrivacyRepository, 'suppress' | 'suppressed'>,
    private readonly hasher: KeyedHasher,
  ) {}

  /** The ids among these that were erased. */
  async erasedCustomers(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const hashes = await Promise.all(ids.map(async (id) => [id, await this.hasher.hash('customer', id)] as const));
    const found = await this.privacy.suppressed(hashes.map(([, h]) => h));
    return new Set(hashes.filter(([, h]) => found.has(h)).map(([id]) => id));
  }

  async erasedEmail(email: string): Promise<boolean> {
    const hash = await this.hasher.hash('email', email);
    return (await this.privacy.suppressed([hash])).has(hash);
  }

  /** Puts a customer's id (and email) on the list. */
  async suppress(customerId: string, email: string | undefined, at: string): Promise<void> {
    const hashes = [await this.hasher.hash('customer', customerId), ...(email ? [await this.hasher.hash('email', email)] : [])];
    await this.privacy.suppress(hashes, at);
  }
}
