import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bucketRanges, chooseVariation, equalWeights, inNamespace, runExperiment, type BucketRange, type ExperimentSpec, type NamespaceSpec } from '../../../src/experiments/model/assignment.ts';
import { bucketHash } from '../../../src/experiments/model/hash.ts';

/**
 * GrowthBook's language-agnostic SDK vectors (shared/vendor-data/growthbook-cases.json, spec 0.8.0; see its
 * README). Every case of every section that exercises what Cadence offers is run; nothing is sampled.
 *
 * Sections not run, and why (Cadence does not offer the feature):
 * - evalCondition, feature, stickyBucket, decrypt, urlRedirect, contextualBandit: GrowthBook's condition
 *   language, feature flags, sticky bucketing, encrypted payloads, browser redirects and bandits. Cadence
 *   targets by jurisdiction, country and segment, serves experiments (not flags) from its own API, and its
 *   assignment is deterministic from the id, which is what makes stickiness unnecessary.
 * - getQueryStringOverride: no page URL reaches Cadence (the storefront sends ids); QA forcing is a
 *   definition's `forcedVariations` per unit instead.
 *
 * `run` cases skipped, and why:
 * - "evaluates conditions - pass/fail", "SavedGroups correctly pulled…": GrowthBook conditions (`condition`).
 * - "Prerequisite condition passes/fails": prerequisite feature flags (`parentConditions`).
 * - "Filtered, …" (3): `filters` (GrowthBook's newer namespaces); Cadence has the `namespace` form.
 * - "Ranges, …" (2) and "Uses seed and hash version": explicit `ranges`; Cadence derives ranges from
 *   weights and coverage ("Uses seed with default weights/coverage" covers seed + hash version 2).
 * - "querystring force", "querystring force with inactive": page URLs (see above).
 * - "globally disabled", "Skips experiments in QA mode", "Works in QA mode if forced in …": SDK context
 *   switches (`enabled`, `qaMode`) a server API has no use for.
 */
const cases = JSON.parse(readFileSync(new URL('../../../../shared/vendor-data/growthbook-cases.json', import.meta.url), 'utf8')) as Record<string, unknown[][]>;
const round = (x: number) => Math.floor(x * 1e8) / 1e8;
const roundRanges = (rs: readonly BucketRange[]) => rs.map((r) => r.map(round));

const UNSUPPORTED_RUN_FIELDS = ['condition', 'parentConditions', 'filters', 'ranges'];
const UNSUPPORTED_CONTEXT_FIELDS = ['url', 'enabled', 'qaMode', 'savedGroups', 'features'];
type RunCase = [string, Record<string, unknown>, Record<string, unknown>, unknown, boolean, boolean];
const runCases = cases.run as RunCase[];
const applicable = runCases.filter(([, ctx, exp]) => !UNSUPPORTED_RUN_FIELDS.some((f) => f in exp) && !UNSUPPORTED_CONTEXT_FIELDS.some((f) => f in ctx));

describe('GrowthBook SDK vectors', () => {
  it.each(cases.hash as [string, string, number, number | null][])('hash(%j, %j, v%i) = %j', (seed, value, version, expected) => {
    expect(bucketHash(seed, value, version)).toBe(expected);
  });

  it.each(cases.getBucketRange as [string, [number, number, number[] | null], BucketRange[]][])('bucket ranges: %s', (_name, [n, coverage, weights], expected) => {
    expect(roundRanges(bucketRanges(n, coverage, weights ?? undefined))).toEqual(roundRanges(expected));
  });

  it.each(cases.chooseVariation as [string, number, BucketRange[], number][])('choose variation: %s', (_name, n, ranges, expected) => {
    expect(chooseVariation(n, ranges)).toBe(expected);
  });

  it.each(cases.inNamespace as [string, string, NamespaceSpec, boolean][])('namespace: %s', (_name, id, ns, expected) => {
    expect(inNamespace(id, ns)).toBe(expected);
  });

  it.each(cases.getEqualWeights as [number, number[]][])('equal weights of %i', (n, expected) => {
    expect(equalWeights(n).map(round)).toEqual(expected.map(round));
  });

  it('runs every applicable run case (56 of 73; the 17 others are listed above)', () => {
    expect(applicable.length).toBe(56);
  });

  it.each(applicable)('run: %s', (_name, ctx, exp, value, inExperiment, hashUsed) => {
    const r = runExperiment(exp as unknown as ExperimentSpec, ctx as never);
    expect([r.value, r.inExperiment, r.hashUsed]).toEqual([value, inExperiment, hashUsed]);
  });
});

describe('assignment', () => {
  const exp: ExperimentSpec<string> = { key: 'hero', variations: ['a', 'b', 'c'], meta: [{ key: 'control' }, { key: 'one', name: 'One' }, { key: 'two' }], hashVersion: 2 };

  it("answers with GrowthBook's Result field names and the unit's bucket", () => {
    const r = runExperiment(exp, { attributes: { id: 'cus_eu_7k2m9q4x1c8v3b6n0p5r' } });
    expect(Object.keys(r).sort()).toEqual(['bucket', 'hashAttribute', 'hashUsed', 'hashValue', 'inExperiment', 'key', 'value', 'variationId', ...(r.variationId === 1 ? ['name'] : [])].sort());
    expect(r.key).toBe(exp.meta![r.variationId]!.key);
  });

  it('gives variation 0 and inExperiment false outside coverage, and stopped experiments nothing', () => {
    const out = runExperiment({ ...exp, coverage: 0 }, { attributes: { id: 'u1' } });
    expect([out.inExperiment, out.variationId, out.value, out.key]).toEqual([false, 0, 'a', 'control']);
    expect(runExperiment({ ...exp, status: 'stopped' }, { attributes: { id: 'u1' } }).inExperiment).toBe(false);
  });

  it('forces a QA unit without counting it as hashed', () => {
    const r = runExperiment({ ...exp, status: 'draft' }, { attributes: { id: 'qa' }, forcedVariations: { hero: 2 } });
    expect([r.inExperiment, r.hashUsed, r.variationId]).toEqual([true, false, 2]);
  });

  it('splits units by the weights (100,000 ids within 1%)', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[runExperiment({ ...exp, weights: [0.5, 0.3, 0.2] }, { attributes: { id: `u${i}` } }).variationId]!++;
    [0.5, 0.3, 0.2].forEach((w, i) => expect(Math.abs(counts[i]! / 100_000 - w)).toBeLessThan(0.01));
  });
});
