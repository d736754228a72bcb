import { GrowthBook } from '@growthbook/growthbook';
import { describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentSpec } from '../../../src/experiments/model/assignment.ts';
import { prng } from '../../../src/shared/random.ts';

/**
 * The in-house assignment against GrowthBook's own JavaScript SDK (a dev dependency only), on 100,000 ids
 * (ASCII, Cadence customer ids, and non-ASCII: accents, Cyrillic, CJK, emoji as surrogate pairs, combining
 * marks, lone surrogates) under randomly drawn experiments (2-10 variations, weights, coverage, seeds,
 * hash versions 1 and 2, namespaces, forced variations, statuses). Every field both compute must agree.
 */
const rnd = prng(20261122);
const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789_-',
  'äöüßéèêçñøåœ',
  'абвгдежзийклмнопрстуфхцчшщъыьэюя',
  '東京大阪名古屋札幌福岡顧客番号実験',
  '😀🎉👩‍👩‍👧🇩🇪☕',
  'e\u0301a\u0308\u200d\u0000\ufeff',
  '\ud800\udc00\udfff\ud83d',
];
const randomText = (min: number, max: number) => {
  const chars = [...rnd.pick(ALPHABETS)];
  return Array.from({ length: rnd.int(min, max) }, () => chars[rnd.int(0, chars.length - 1)]).join('');
};
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
const customerId = () => `cus_${rnd.next() < 0.5 ? 'eu' : 'row'}_${Array.from({ length: 20 }, () => BASE32[rnd.int(0, 31)]).join('')}`;

function randomExperiment(): ExperimentSpec<number> {
  const n = rnd.int(2, 10);
  const raw = Array.from({ length: n }, () => 0.05 + rnd.next());
  const total = raw.reduce((s, x) => s + x, 0);
  const start = rnd.next() * 0.8;
  return {
    key: rnd.next() < 0.8 ? `exp-${rnd.int(0, 1e6)}` : randomText(3, 12),
    variations: Array.from({ length: n }, (_, i) => i),
    meta: Array.from({ length: n }, (_, i) => ({ key: `v${i}` })),
    ...(rnd.next() < 0.6 ? { weights: raw.map((x) => x / total) } : {}),
    ...(rnd.next() < 0.5 ? { coverage: Math.round(rnd.next() * 100) / 100 } : {}),
    ...(rnd.next() < 0.5 ? { seed: randomText(1, 24) } : {}),
    hashVersion: rnd.next() < 0.75 ? 2 : 1,
    ...(rnd.next() < 0.3 ? { namespace: [randomText(2, 8), start, start + rnd.next() * (1 - start)] as const } : {}),
    ...(rnd.next() < 0.05 ? { force: rnd.int(-1, n) } : {}),
    ...(rnd.next() < 0.1 ? { status: rnd.pick(['draft', 'running', 'stopped'] as const) } : {}),
  };
}

describe('differential test against @growthbook/growthbook', () => {
  it('agrees on 100,000 random and non-ASCII ids with 0 mismatches', () => {
    const gb = new GrowthBook({ attributes: {} });
    const mismatches: unknown[] = [];
    let inExperiment = 0;
    let experiment = randomExperiment();
    for (let i = 0; i < 100_000; i++) {
      if (i % 500 === 0) experiment = randomExperiment();
      const roll = rnd.next();
      const id = roll < 0.4 ? customerId() : roll < 0.6 ? randomText(1, 40) : randomText(1, 8) + String(i);
      const attributes = { id, deviceId: randomText(4, 16) };
      const hashAttribute = rnd.next() < 0.2 ? 'deviceId' : 'id';
      const spec = { ...experiment, hashAttribute };
      void gb.setAttributes(attributes);
      const theirs = gb.run(spec as never);
      const ours = runExperiment(spec, { attributes });
      const pick = (r: Record<string, unknown>) => [r.inExperiment, r.hashUsed, r.variationId, r.key, r.value, r.hashAttribute, r.hashValue, r.bucket];
      if (JSON.stringify(pick(ours as never)) !== JSON.stringify(pick(theirs as never))) mismatches.push({ spec, attributes, ours, theirs });
      if (ours.inExperiment) inExperiment++;
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(mismatches.length).toBe(0);
    // The draws cover both outcomes broadly.
    expect(inExperiment).toBeGreaterThan(30_000);
    expect(inExperiment).toBeLessThan(90_000);
  }, 30_000);
});
