/**
 * GrowthBook's hashing, written here so that Cadence and any GrowthBook SDK put the same unit in the same
 * bucket (so a team can later analyse or manage an experiment in GrowthBook without re-bucketing anyone).
 * FNV-1a 32 over UTF-16 code units, exactly as JavaScript's `charCodeAt` reads a string.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    // h * 16777619 mod 2^32, as shifts (exact in 32-bit integer arithmetic).
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}

/** The hash versions GrowthBook defines: 1 (the original, biased for similar ids) and 2 (the current one). */
export type HashVersion = 1 | 2;

/**
 * A number in [0, 1) from a seed and a unit's id. Version 2 hashes the decimal text of a first hash (which
 * removes version 1's bias between similar seeds); an unknown version gives null, as GrowthBook does.
 */
export function bucketHash(seed: string, hashValue: string, version: number): number | null {
  if (version === 2) return (fnv1a32(String(fnv1a32(seed + hashValue))) % 10000) / 10000;
  if (version === 1) return (fnv1a32(hashValue + seed) % 1000) / 1000;
  return null;
}
