import { linearSumAssignment } from 'linear-sum-assignment';

/** Centres further apart than this (in standard deviations) are different segments, whatever the matching. */
export const MAX_MATCH_DISTANCE = 2;

/**
 * Matches this run's clusters to the previous run's segments by centroid distance (Hungarian / Jonker-
 * Volgenant assignment), so a segment keeps its id while it means the same thing. A cluster with no
 * previous segment within MAX_MATCH_DISTANCE gets a new id, never one used before (`reserved` holds every
 * id ever given); previous segments left over are retired.
 */
export function matchSegments(
  previous: readonly { id: string; centroid: readonly number[] }[],
  current: readonly number[][],
  newId: (n: number) => string,
  reserved: Iterable<string> = [],
): string[] {
  const ids = new Array<string>(current.length);
  if (previous.length > 0) {
    const cost = current.map((c) => previous.map((p) => Math.sqrt(c.reduce((s, v, j) => s + (v - p.centroid[j]!) ** 2, 0))));
    const { rowAssignments } = linearSumAssignment(cost, { maximaze: false });
    rowAssignments.forEach((col, row) => {
      if (col >= 0 && cost[row]![col]! <= MAX_MATCH_DISTANCE) ids[row] = previous[col]!.id;
    });
  }
  let n = 0;
  const taken = new Set([...reserved, ...previous.map((p) => p.id), ...ids.filter(Boolean)]);
  for (let i = 0; i < current.length; i++) {
    if (ids[i]) continue;
    let id = newId(n++);
    while (taken.has(id)) id = newId(n++);
    ids[i] = id;
    taken.add(id);
  }
  return ids;
}

/** Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items: 1 identical, ~0 chance. */
export function adjustedRandIndex(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length !== b.length) throw new Error('labelings differ in length');
  const n = a.length;
  if (n < 2) return 1;
  const table = new Map<string, number>();
  const rows = new Map<string | number, number>();
  const cols = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    cols.set(b[i]!, (cols.get(b[i]!) ?? 0) + 1);
  }
  const pairs = (x: number) => (x * (x - 1)) / 2;
  const index = [...table.values()].reduce((s, v) => s + pairs(v), 0);
  const sumRows = [...rows.values()].reduce((s, v) => s + pairs(v), 0);
  const sumCols = [...cols.values()].reduce((s, v) => s + pairs(v), 0);
  const expected = (sumRows * sumCols) / pairs(n);
  const max = (sumRows + sumCols) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
