import { describe, expect, it } from 'vitest';
import { parseNodeEnv } from '../../src/config/env.ts';
import { testAccountRule } from '../../src/predictions/test-accounts.ts';
import { useApi } from '../support/api.ts';

const t = useApi({ testAccounts: ['email:*@qa.myshop.example', 'id:cus_row_*'] });

describe('test accounts (CADENCE_TEST_ACCOUNTS)', () => {
  it('flags the customers the rule names, by email in the EU and by id in ROW, and no one else', async () => {
    const qa = await t.newCustomer({ country: 'DE', contact: { email: 'Anna@QA.myshop.example' } });
    const shopper = await t.newCustomer({ country: 'FR', contact: { email: 'anna@elsewhere.example' } });
    const row = await t.newCustomer({ country: 'US' });
    const orders = [qa, shopper, row].flatMap((customerId, n) =>
      [0, 1, 2].map((i) => ({ orderId: `o-${n}-${i}`, customerId, purchasedAt: new Date(Date.now() - (40 - 14 * i) * 86_400_000).toISOString(), lines: [{ productId: 'coffee', quantity: 1, unitPrice: 9, currency: 'EUR' }] })),
    );
    expect((await t.api.call('POST', '/v1/purchases', { key: t.admin, body: { orders } })).status).toBe(200);
    const flags = async (id: string) => (await t.api.call('GET', `/v1/customers/${id}/predictions`, { key: t.admin })).body.customer.flags as string[];
    expect(await flags(qa)).toContain('test_account');
    expect(await flags(shopper)).not.toContain('test_account');
    expect(await flags(row)).toContain('test_account');
    // The daily refit applies the same rule (it reads the profiles in their jurisdiction).
    expect((await t.api.call('POST', '/v1/ops/refit?jurisdiction=EU', { key: t.admin })).status).toBe(200);
    expect(await flags(qa)).toContain('test_account');
    expect(await flags(shopper)).not.toContain('test_account');
  });

  it('refuses a pattern that is neither id: nor email: when the process starts', () => {
    expect(() => testAccountRule(['mail:*@x'])).toThrow(/id:<glob> or email:<glob>/);
    expect(() => parseNodeEnv({ CADENCE_TEST_ACCOUNTS: 'id:cus_eu_qa*,*@x' })).toThrow(/CADENCE_TEST_ACCOUNTS/);
    expect(testAccountRule(['id:cus_eu_qa*']).matches('cus_eu_qa123')).toBe(true);
    expect(testAccountRule(['id:cus_eu_qa*']).matches('cus_eu_q.a123')).toBe(false);
  });
});
