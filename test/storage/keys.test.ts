import { describe, expect, it } from 'vitest';
import { aggregateKeys, apiKeyKey, assignmentKey, batchPageKey, customerKey, experimentKey, exposureItemKeys, exposureKey, insightItemKeys, insightKey, modelKeys, predictionKey, productKey, purchaseKey, purchaseTimeKey, recommendationKey, surfaceClaimKey } from '../../src/storage/keys.ts';
import { keyAttributes, type TableKind } from '../../src/storage/tables.ts';

const c = 'cus_eu_7k2m9q4x1c8v3b6n0p5r';

describe('item keys', () => {
  it.each<[string, TableKind, Record<string, string>, Record<string, string>]>([
    ['a profile', 'customers', customerKey(c), { customerId: c }],
    ['a purchase line', 'purchases', purchaseKey(c, 'o-1', 'l-2'), { customerId: c, lineKey: 'o-1#l-2' }],
    ['predictions', 'predictions', predictionKey(c), { customerId: c }],
    ['a segment assignment', 'segments', assignmentKey(c), { customerId: c }],
    ['the current analysis', 'insights', insightKey(c, insightItemKeys.analysis), { customerId: c, itemKey: 'analysis' }],
    ['a job', 'insights', insightKey(c, insightItemKeys.job('job_x')), { customerId: c, itemKey: 'job#job_x' }],
    ['a ledger line', 'insights', insightKey(c, insightItemKeys.ledger('job_x')), { customerId: c, itemKey: 'ledger#job_x' }],
    ['a batch page (no customer)', 'insights', batchPageKey('eu-2026-11-22', 7), { customerId: 'batch#eu-2026-11-22', itemKey: 'page#000007' }],
    ['a recommendations entry', 'recommendations', recommendationKey(c), { customerId: c, itemKey: 'entry' }],
    ['the current aggregates build (no customer)', 'recommendations', aggregateKeys.current, { customerId: 'agg#current', itemKey: 'current' }],
    ['an aggregates chunk (no customer)', 'recommendations', aggregateKeys.chunk('eu-1', 'part#0000'), { customerId: 'agg#eu-1', itemKey: 'part#0000' }],
    ['an exposure', 'exposures', exposureKey(c, exposureItemKeys.exposure('hero-banner', 2)), { customerId: c, itemKey: 'exp#hero-banner#2' }],
    ['an attributed purchase line', 'exposures', exposureKey(c, exposureItemKeys.conversion('hero-banner', 2, 'o-1', 'l-2')), { customerId: c, itemKey: 'conv#hero-banner#2#o-1#l-2' }],
    ['an experiment definition', 'experiments', experimentKey('hero-banner'), { experimentKey: 'hero-banner' }],
    ['a surface claim', 'experiments', surfaceClaimKey('recommendations'), { experimentKey: 'surface#recommendations' }],
    ['a product', 'catalog', productKey('sku-1'), { productId: 'sku-1' }],
    ['an API key', 'apiKeys', apiKeyKey('abc12345'), { keyId: 'abc12345' }],
    ['a population fit', 'models', modelKeys.population('EU'), { modelKey: 'EU#population' }],
    ['current segments', 'models', modelKeys.currentSegments('ROW'), { modelKey: 'ROW#segments' }],
    ['a segment run', 'models', modelKeys.segmentRun('eu-r1'), { modelKey: 'run#eu-r1' }],
    ['a run definition', 'models', modelKeys.segmentDefinition('eu-r1'), { modelKey: 'def#eu-r1' }],
    ['cost counters', 'models', modelKeys.costs('2026-11-22', 'eu-central-1'), { modelKey: 'costs#2026-11-22#eu-central-1' }],
  ])('%s is exactly the key schema of its table', (_name, table, key, expected) => {
    expect(key).toEqual(expected);
    expect(Object.keys(key).sort()).toEqual(keyAttributes(table).sort());
  });

  it('sorts purchase lines by time, then order and line', () => {
    const keys = [purchaseTimeKey('2026-01-02T00:00:00.000Z', 'a', '1'), purchaseTimeKey('2026-01-01T00:00:00.000Z', 'b', '1'), purchaseTimeKey('2026-01-01T00:00:00.000Z', 'a', '2')];
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });
});
