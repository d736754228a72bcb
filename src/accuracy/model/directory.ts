/**
 * The directory of a day's snapshot (decision 151), pure part: which page holds a reference, in buckets
 * chosen by the reference so that an erasure or an export reads one bucket of the day, not every page.
 */

/** References per bucket at most on average: about 20 bytes each as a DynamoDB map entry, so ~40 KB an item (a tenth of the 400 KB limit). */
export const REFS_PER_BUCKET = 2000;

/** Buckets for a day of this many customers. */
export const bucketCount = (customers: number) => Math.max(1, Math.ceil(customers / REFS_PER_BUCKET));

/**
 * The bucket of a reference (FNV-1a of its characters, modulo the count). A reference is the start of a
 * keyed hash, so any of its characters are uniform; hashing them keeps the rule whatever it is made of.
 */
export function bucketOf(ref: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ref.length; i++) h = Math.imul(h ^ ref.charCodeAt(i), 0x01000193) >>> 0;
  return h % buckets;
}

/**
 * Each bucket's references and the page that holds each, bucket after bucket, from the references of each
 * page in turn. Sorted by bucket first (a counting sort over indexes), so that only the bucket being made
 * is held as an object: for 1,000,000 references, about 20 MB of arrays besides the references themselves.
 */
export function* bucketsOf(refsByPage: readonly (readonly string[])[], buckets: number): Generator<Record<string, number>> {
  const refs = refsByPage.flat();
  const pages = new Int32Array(refs.length);
  const bucket = new Int32Array(refs.length);
  const starts = new Int32Array(buckets + 1);
  let k = 0;
  refsByPage.forEach((rs, page) => rs.forEach(() => (pages[k++] = page)));
  refs.forEach((ref, i) => starts[(bucket[i] = bucketOf(ref, buckets)) + 1]!++);
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const next = starts.slice(0, buckets);
  const order = new Int32Array(refs.length);
  for (let i = 0; i < refs.length; i++) order[next[bucket[i]!]!++] = i;
  for (let b = 0; b < buckets; b++) {
    const out: Record<string, number> = {};
    for (let j = starts[b]!; j < starts[b + 1]!; j++) out[refs[order[j]!]!] = pages[order[j]!]!;
    yield out;
  }
}

/**
 * What a day's directory head says. Every refit page writing the day moves `generation` (before and after
 * it writes); a directory is `indexed` at the generation it was built from, so it vouches for the pages
 * only while no page has written since.
 */
export interface DirectoryHead {
  generation?: number;
  indexed?: number;
  /** The snapshot's pages and the directory's buckets, as last indexed. */
  pages?: number;
  buckets?: number;
  /** The most buckets ever written for the day, recorded before they are (what a deletion must cover). */
  written?: number;
}

/** How many buckets of the day may exist. */
export const bucketsWritten = (h: DirectoryHead | undefined) => Math.max(h?.buckets ?? 0, h?.written ?? 0);

export const vouches = (h: DirectoryHead | undefined): h is DirectoryHead & { buckets: number } =>
  h !== undefined && h.buckets !== undefined && h.indexed !== undefined && h.indexed === (h.generation ?? 0);
