/** Deterministic pseudo-random numbers (mulberry32), so the same seed gives the same shop. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!,
    /** A Fisher-Yates shuffle (a new array). */
    shuffle: <T>(list: readonly T[]): T[] => {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    normal,
    /** Gamma-distributed noise with mean 1 and the given coefficient of variation (Wilson-Hilferty). */
    gammaNoise: (cv: number) => {
      const k = 1 / (cv * cv);
      const z = normal();
      const x = k * (1 - 1 / (9 * k) + z * Math.sqrt(1 / (9 * k))) ** 3;
      return Math.max(0.15, x / k);
    },
  };
}
