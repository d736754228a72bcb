import { describe, expect, it } from 'vitest';
import { useApi } from '../support/api.ts';

const t = useApi();

describe('GET /v1/ops/accuracy: bad input', () => {
  const cases: [string, string, number, string][] = [
    ['from after to', '?jurisdiction=EU&from=2026-11-20&to=2026-11-01', 400, 'accuracy.badRange'],
    ['a day that does not exist', '?from=2026-02-30', 400, 'request.invalid'],
    ['a date that is not a day', '?to=30.11.2026', 400, 'request.invalid'],
    ['an unknown jurisdiction', '?jurisdiction=MARS', 400, 'request.invalid'],
    ['an unknown parameter', '?jurisdictions=EU', 400, 'request.unknownField'],
    ['more than a year', '?from=2024-01-01&to=2026-01-01', 400, 'accuracy.rangeTooLong'],
  ];
  for (const [name, query, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const res = await t.api.call('GET', `/v1/ops/accuracy${query}`, { key: t.admin });
      expect(res.type).toContain('application/problem+json');
      expect([res.status, res.body.code]).toEqual([status, code]);
    });
  }

  it('wants ops:read (403 otherwise), and answers an empty range with no weeks', async () => {
    const key = await t.stores.key(['predictions:read']);
    expect((await t.api.call('GET', '/v1/ops/accuracy', { key })).status).toBe(403);
    const ops = await t.stores.key(['ops:read']);
    const res = await t.api.call('GET', '/v1/ops/accuracy?jurisdiction=ROW&from=2026-11-01&to=2026-11-30', { key: ops, region: 'eu-central-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jurisdiction: 'ROW', from: '2026-11-01', to: '2026-11-30', weeks: [] });
  });
});
