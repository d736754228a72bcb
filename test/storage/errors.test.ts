import { describe, expect, it } from 'vitest';
import { isUnavailable, StoreUnavailable, translateStoreError } from '../../src/storage/errors.ts';

/** What a store call that failed becomes: 503 storage.unavailable when the store cannot serve, else itself. */
describe('store errors', () => {
  it('takes workerd\'s "Network connection lost." (a plain Error, its port closed) as the store being down', () => {
    // Seen in workerd when a region's DynamoDB endpoint refuses connections (the load suite's failover drill).
    expect(translateStoreError(new Error('Network connection lost.'))).toBeInstanceOf(StoreUnavailable);
    expect(isUnavailable(new TypeError('fetch failed'))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('leaves a request the store refused as it is', () => {
    const bad = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(translateStoreError(bad)).toBe(bad);
    expect(isUnavailable(new Error('an internal error in our code'))).toBe(false);
  });
});
