import { JURISDICTION_TABLES } from '../storage/tables.ts';
import type { Jurisdiction, Region } from './region.schema.ts';

/**
 * Checks what one region file cannot: ids are unique, each jurisdiction has exactly one home, failover
 * never crosses a jurisdiction, and personal tables are never shared between jurisdictions.
 * A failure here is a deployment bug that could move personal data across a border, so it throws at load.
 */
export function checkRegionSet(list: readonly Region[]): readonly Region[] {
  const problems: string[] = [];
  const byId = new Map(list.map((r) => [r.id, r]));
  if (byId.size !== list.length) problems.push('region ids are not unique');
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    const homes = list.filter((r) => r.jurisdiction === jurisdiction && r.home);
    if (homes.length !== 1) problems.push(`${jurisdiction} needs exactly one home region, has ${homes.length}`);
  }
  for (const r of list) {
    for (const f of r.failover) {
      const target = byId.get(f);
      if (!target) problems.push(`${r.id}: failover region ${f} does not exist`);
      else if (target.jurisdiction !== r.jurisdiction) problems.push(`${r.id}: failover ${f} is in another jurisdiction`);
      if (f === r.id) problems.push(`${r.id}: fails over to itself`);
    }
  }
  for (const table of JURISDICTION_TABLES) {
    const owner = new Map<string, Jurisdiction>();
    for (const r of list) {
      const name = r.tables[table];
      const seen = owner.get(name);
      if (seen && seen !== r.jurisdiction) problems.push(`personal table ${name} is used by both ${seen} and ${r.jurisdiction}`);
      owner.set(name, r.jurisdiction);
    }
  }
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    // Events name customers: a jurisdiction's events go to its own stream, in its home region, only.
    const home = list.find((r) => r.jurisdiction === jurisdiction && r.home);
    for (const r of list.filter((x) => x.jurisdiction === jurisdiction)) {
      if (home && (r.stream.name !== home.stream.name || r.stream.awsRegion !== home.awsRegion)) problems.push(`${r.id}: the ${jurisdiction} stream must be ${home.stream.name} in ${home.awsRegion}`);
      const other = list.find((x) => x.jurisdiction !== jurisdiction && x.stream.name === r.stream.name);
      if (other) problems.push(`stream ${r.stream.name} is used by both ${jurisdiction} and ${other.jurisdiction}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid region set:\n- ${problems.join('\n- ')}`);
  return list;
}

/** The regions that serve a jurisdiction, home first, then the home's failover order. */
export function servingOrder(list: readonly Region[], jurisdiction: Jurisdiction): Region[] {
  const home = list.find((r) => r.jurisdiction === jurisdiction && r.home);
  if (!home) return [];
  const rest = home.failover.map((id) => list.find((r) => r.id === id)).filter((r): r is Region => r !== undefined);
  return [home, ...rest];
}

export function findRegion(list: readonly Region[], id: string): Region | undefined {
  return list.find((r) => r.id === id);
}
