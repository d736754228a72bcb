import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

/** The bad input, each answered with a 4xx problem and its code, and nothing changed anywhere. */
const t = useApi();
let eu: string;
let token: string;
let reader: string;
beforeAll(async () => {
  eu = await t.newCustomer({ country: 'DE' });
  token = (await t.api.call('POST', `/v1/customers/${eu}/tokens`, { key: t.admin, body: {} })).body.token;
  reader = await t.stores.key(['experiments:read']);
  await t.api.call('PUT', '/v1/experiments/running-one', { key: t.admin, body: { name: 'Running', variations: [{ key: 'a' }, { key: 'b' }], status: 'running' } });
});

const snapshot = async () => JSON.stringify(await Promise.all((['EU', 'ROW', 'GLOBAL'] as const).map((s) => t.stores.scanAll(s))));
const body = (over: Record<string, unknown> = {}) => ({ name: 'X', variations: [{ key: 'a' }, { key: 'b' }], status: 'draft', ...over });
const many = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `v${i}` }));

type Case = [name: string, method: string, path: () => string, init: { body?: unknown; key?: 'admin' | 'token' | 'reader' }, status: number, code: string];
const cases: Case[] = [
  ['weights that do not sum to 1', 'PUT', () => '/v1/experiments/bad-weights', { body: body({ weights: [0.5, 0.6] }) }, 400, 'experiments.invalidWeights'],
  ['one weight for two variations', 'PUT', () => '/v1/experiments/bad-weights', { body: body({ weights: [1] }) }, 400, 'experiments.invalidWeights'],
  ['coverage above 1', 'PUT', () => '/v1/experiments/bad-coverage', { body: body({ coverage: 1.5 }) }, 400, 'request.invalid'],
  ['negative coverage', 'PUT', () => '/v1/experiments/bad-coverage', { body: body({ coverage: -0.1 }) }, 400, 'request.invalid'],
  ['one variation', 'PUT', () => '/v1/experiments/one-variation', { body: body({ variations: many(1) }) }, 400, 'request.invalid'],
  ['eleven variations', 'PUT', () => '/v1/experiments/eleven', { body: body({ variations: many(11) }) }, 400, 'request.invalid'],
  ['duplicate variation keys', 'PUT', () => '/v1/experiments/dupes', { body: body({ variations: [{ key: 'a' }, { key: 'a' }] }) }, 400, 'experiments.duplicateVariationKey'],
  ['a key in the wrong shape', 'PUT', () => '/v1/experiments/has%20space', { body: body() }, 400, 'request.invalid'],
  ['a key with the store separator', 'GET', () => '/v1/experiments/a%23b', {}, 400, 'request.invalid'],
  ['an unknown field', 'PUT', () => '/v1/experiments/typo', { body: body({ weigths: [0.5, 0.5] }) }, 400, 'request.unknownField'],
  ['a revenue metric without a currency', 'PUT', () => '/v1/experiments/revenue', { body: body({ metrics: [{ key: 'r', type: 'revenue' }] }) }, 400, 'experiments.currencyRequired'],
  ['a primary metric that is not a metric', 'PUT', () => '/v1/experiments/primary', { body: body({ metrics: [{ key: 'c', type: 'conversion' }], primaryMetric: 'x' }) }, 400, 'experiments.unknownMetric'],
  ['a forced variation that does not exist', 'PUT', () => '/v1/experiments/forced', { body: body({ forcedVariations: { 'qa-device': 'zzz' } }) }, 400, 'experiments.unknownVariation'],
  ['changing a running experiment', 'PUT', () => '/v1/experiments/running-one', { body: body({ name: 'Running', variations: [{ key: 'a' }, { key: 'c' }], status: 'running' }) }, 409, 'experiments.runningImmutable'],
  ['skipping a phase', 'PUT', () => '/v1/experiments/running-one', { body: body({ status: 'running', phase: 3 }) }, 409, 'experiments.phaseMismatch'],
  ['an unknown experiment', 'GET', () => '/v1/experiments/no-such-thing', {}, 404, 'experiments.notFound'],
  ['a lookup of an unknown experiment', 'GET', () => `/v1/customers/${eu}/experiments/no-such-thing`, {}, 404, 'experiments.notFound'],
  ['results of an unknown experiment', 'GET', () => '/v1/experiments/no-such-thing/results', {}, 404, 'experiments.notFound'],
  ['results of a phase that never was', 'GET', () => '/v1/experiments/running-one/results?phase=7', {}, 404, 'experiments.phaseNotFound'],
  ['an unknown engine', 'GET', () => '/v1/experiments/running-one/results?engine=magic', {}, 400, 'request.invalid'],
  ['a unit that is not a device', 'GET', () => `/v1/customers/${eu}/experiments/running-one?unit=cookie:1`, {}, 400, 'request.invalid'],
  ['expose that is not a boolean', 'GET', () => `/v1/customers/${eu}/experiments/running-one?expose=maybe`, {}, 400, 'request.invalid'],
  ['a lookup for a customer that does not exist', 'GET', () => '/v1/customers/cus_eu_00000000000000000000/experiments/running-one', {}, 404, 'customers.notFound'],
  ['a customer token defining an experiment', 'PUT', () => '/v1/experiments/by-token', { body: body(), key: 'token' }, 403, 'auth.forbidden'],
  ['a read-only key defining an experiment', 'PUT', () => '/v1/experiments/by-reader', { body: body(), key: 'reader' }, 403, 'auth.forbidden'],
  ['a customer token reading results', 'GET', () => '/v1/experiments/running-one/results', { key: 'token' }, 403, 'auth.forbidden'],
];

describe('experiments: bad input gets a 4xx problem with a stable code and changes nothing', () => {
  it.each(cases)('%s', async (_name, method, path, init, status, code) => {
    const before = await snapshot();
    const key = init.key === 'token' ? token : init.key === 'reader' ? reader : t.admin;
    const res = await t.api.call(method, path(), { key, ...(init.body !== undefined ? { body: init.body } : {}) });
    expect(res.type).toBe('application/problem+json');
    expect([res.status, res.body.code]).toEqual([status, code]);
    expect(await snapshot()).toBe(before);
  });
});

describe('generated experiment bodies never cause a 5xx (fast-check)', () => {
  it('PUT /v1/experiments/:key', async () => {
    const valid = () => body({ weights: [0.5, 0.5], coverage: 0.5, namespace: { id: 'ns', range: [0, 0.5] }, metrics: [{ key: 'c', type: 'conversion' }], targeting: { countries: ['DE'] } });
    const mutate = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(...Object.keys(valid())).chain((k) => fc.jsonValue().map((v) => ({ ...valid(), [k]: v }))),
    );
    await fc.assert(
      fc.asyncProperty(mutate, async (b) => {
        const res = await t.api.call('PUT', '/v1/experiments/fuzzed', { key: t.admin, body: b });
        if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(b).slice(0, 300)}: ${JSON.stringify(res.body)}`);
        if (res.status >= 400) expect(res.type).toBe('application/problem+json');
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
