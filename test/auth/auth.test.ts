import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, apiKeyRecord, constantTimeEqual, generateApiKey, sha256Hex } from '../../src/auth/api-keys.ts';
import { sign } from 'hono/jwt';
import { mintCustomerToken, TOKEN_AUDIENCE, TOKEN_ISSUER, verifyCustomerToken } from '../../src/auth/customer-tokens.ts';
import { newCustomerId } from '../../src/shared/ids.ts';
import { CUSTOMER_ID_PATTERN, jurisdictionOfCustomerId } from '../../src/residency/jurisdiction.ts';

describe('API keys', () => {
  it('are generated in the documented shape and stored only as a SHA-256 of the secret', async () => {
    const key = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    const record = await apiKeyRecord(key, 'n', ['admin'], '2026-01-01T00:00:00Z');
    expect(JSON.stringify(record)).not.toContain(key.split('_')[2]);
    expect(record.secretSha256).toBe(await sha256Hex(key.split('_')[2]!));
    expect(new Set(Array.from({ length: 50 }, generateApiKey)).size).toBe(50);
  });

  it('compare equal strings as equal and any difference as different', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
  });

  it('refuse a configured key in the wrong shape', async () => {
    await expect(apiKeyRecord('secret', 'n', ['admin'], '')).rejects.toThrow(/cad_/);
  });
});

describe('customer ids and tokens', () => {
  it('carry the jurisdiction in the id', () => {
    const eu = newCustomerId('EU');
    expect(eu).toMatch(CUSTOMER_ID_PATTERN);
    expect(jurisdictionOfCustomerId(eu)).toBe('EU');
    expect(jurisdictionOfCustomerId(newCustomerId('ROW'))).toBe('ROW');
    expect(jurisdictionOfCustomerId('cus_us_abc')).toBeUndefined();
  });

  it('verify a token only with the right secret, audience and expiry', async () => {
    const secret = 's'.repeat(40);
    const id = newCustomerId('EU');
    expect((await verifyCustomerToken(secret, await mintCustomerToken(secret, id, 60)))?.customerId).toBe(id);
    expect(await verifyCustomerToken('t'.repeat(40), await mintCustomerToken(secret, id, 60))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await mintCustomerToken(secret, id, 60, Date.now() - 120_000))).toBeUndefined();
    expect(await verifyCustomerToken(secret, 'not.a.jwt')).toBeUndefined();
    const iat = Math.floor(Date.now() / 1000);
    const other = (claims: Record<string, unknown>) => sign({ sub: id, aud: TOKEN_AUDIENCE, iss: TOKEN_ISSUER, iat, exp: iat + 60, ...claims }, secret, 'HS256');
    expect((await verifyCustomerToken(secret, await other({})))?.customerId).toBe(id);
    expect(await verifyCustomerToken(secret, await other({ aud: 'another-app' }))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await other({ iss: 'someone-else' }))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await other({ sub: 'not-a-customer' }))).toBeUndefined();
  });

  it('refuse a correctly signed token that lives longer than a minted one may, has no iat, or is issued in the future', async () => {
    const secret = 's'.repeat(40);
    const id = newCustomerId('EU');
    const iat = Math.floor(Date.now() / 1000);
    const token = (claims: Record<string, unknown>) => sign({ sub: id, aud: TOKEN_AUDIENCE, iss: TOKEN_ISSUER, iat, exp: iat + 60, ...claims }, secret, 'HS256');
    expect((await verifyCustomerToken(secret, await token({ exp: iat + 24 * 3600 })))?.customerId).toBe(id);
    expect(await verifyCustomerToken(secret, await token({ exp: iat + 10 * 365 * 86_400 }))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await token({ exp: iat + 24 * 3600 + 1 }))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await token({ iat: undefined }))).toBeUndefined();
    expect(await verifyCustomerToken(secret, await token({ iat: iat + 3600, exp: iat + 7200 }))).toBeUndefined();
  });
});
