import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { checkRegionSet, servingOrder } from '../../src/regions/region-set.ts';
import { defineRegion, type Region } from '../../src/regions/region.schema.ts';
import { bindingName, renderWranglerToml, workerName } from '../../src/regions/wrangler-config.ts';

const wranglerText = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');

describe('region files', () => {
  it('declare the four deployment regions with EU homed in eu-central-1 and failing over to eu-west-1', () => {
    expect(regions.map((r) => r.id).sort()).toEqual(['ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1']);
    expect(servingOrder(regions, 'EU').map((r) => r.id)).toEqual(['eu-central-1', 'eu-west-1']);
    expect(servingOrder(regions, 'ROW').map((r) => r.id)).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  it('keep EU processing in the EU: EU regions use EU AWS regions, EU tables and EU Bedrock inference profiles', () => {
    for (const r of regions.filter((x) => x.jurisdiction === 'EU')) {
      expect(r.awsRegion).toMatch(/^eu-/);
      expect(r.bedrock.region).toMatch(/^eu-/);
      expect(r.bedrock.modelId).toMatch(/^eu\./);
      expect(r.tables.customers).toMatch(/-eu-/);
      expect(r.tables.purchases).toMatch(/-eu-/);
    }
    for (const r of regions.filter((x) => x.jurisdiction === 'ROW')) expect(r.tables.customers).not.toMatch(/-eu-/);
  });

  it('reject a malformed region file', () => {
    expect(() => defineRegion({ ...regions[0]!, jurisdiction: 'US' as 'EU' })).toThrow();
    expect(() => defineRegion({ ...regions[0]!, tables: { ...regions[0]!.tables, customers: 'x' } })).toThrow();
  });

  it('reject a region set whose failover crosses a jurisdiction or whose personal tables are shared', () => {
    const eu = regions.find((r) => r.id === 'eu-west-1')!;
    const bad: Region = { ...eu, failover: ['us-east-1'] };
    expect(() => checkRegionSet(regions.map((r) => (r.id === eu.id ? bad : r)))).toThrow(/another jurisdiction/);
    const shared: Region = { ...regions.find((r) => r.id === 'us-east-1')!, tables: { ...eu.tables } };
    expect(() => checkRegionSet(regions.map((r) => (r.id === 'us-east-1' ? shared : r)))).toThrow(/used by both/);
    expect(() => checkRegionSet(regions.filter((r) => r.id !== 'eu-central-1').map((r) => ({ ...r, failover: [] })))).toThrow(/exactly one home/);
  });
});

describe('wrangler.toml', () => {
  it('is exactly what the region files render (run `npm run gen:wrangler` after changing a region)', () => {
    expect(wranglerText).toBe(renderWranglerToml(regions));
  });

  it('has one environment per region with its name, region var, placement and bindings to the other jurisdiction only', () => {
    const config = parse(wranglerText) as { env: Record<string, { name: string; vars: Record<string, string>; placement: { region: string }; services: { binding: string; service: string }[] }> };
    expect(Object.keys(config.env).sort()).toEqual(regions.map((r) => r.id).sort());
    for (const region of regions) {
      const env = config.env[region.id]!;
      expect(env.name).toBe(workerName(region.id));
      expect(env.vars.CADENCE_REGION).toBe(region.id);
      expect(env.placement.region).toBe(`aws:${region.awsRegion}`);
      const others = regions.filter((r) => r.jurisdiction !== region.jurisdiction);
      expect(env.services.map((s) => s.binding).sort()).toEqual(others.map((r) => bindingName(r.id)).sort());
    }
  });
});
