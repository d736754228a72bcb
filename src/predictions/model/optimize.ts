/**
 * Derivative-free minimisation (Nelder-Mead) for the small maximum-likelihood fits in this folder.
 *
 * Why not the installed `fmin` package (0.0.4): its package entry (`build/fmin.js`) is a UMD bundle inside a
 * `"type": "module"` package, so `import { nelderMead } from 'fmin'` yields `undefined` under Node/Vitest ESM;
 * its shrink step assigns an undeclared loop variable (`for (i = 1; ...)`) and throws a ReferenceError in strict
 * mode whenever a shrink happens; and its x-tolerance option is wired to `minErrorDelta`. The algorithm is small,
 * so it lives here with scipy-like stopping rules instead.
 */

export interface NelderMeadOptions {
  /** Iteration cap (default 200 * dimension). */
  maxIterations?: number;
  /** Stop when every vertex is within this of the best one in every coordinate... */
  xTolerance?: number;
  /** ...and every vertex value is within this of the best value. */
  fTolerance?: number;
  /** Initial simplex edge added to each coordinate (absolute, so it suits log-parameters). */
  initialStep?: number;
  /** Gives up (unconverged) as soon as the best vertex satisfies this: a run heading where no answer is wanted. */
  abandon?: (x: readonly number[]) => boolean;
}

export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  /** False when the iteration cap was hit before the tolerances were met. */
  converged: boolean;
}

interface Vertex {
  x: number[];
  fx: number;
}

/** Minimises `f` from `x0`. Non-finite objective values are treated as +Infinity so the simplex retreats from them. */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  if (n === 0) throw new Error('nelderMead: x0 must have at least one coordinate');
  const maxIterations = options.maxIterations ?? 200 * n;
  const xTol = options.xTolerance ?? 1e-8;
  const fTol = options.fTolerance ?? 1e-10;
  const step = options.initialStep ?? 0.25;
  // Adaptive coefficients (Gao & Han 2012) keep the simplex from collapsing early; for n = 2 they are the classic ones.
  const rho = 1;
  const chi = 1 + 2 / n;
  const psi = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  let evaluations = 0;
  const evaluate = (x: number[]): Vertex => {
    evaluations++;
    const v = f(x);
    return { x, fx: Number.isFinite(v) ? v : Number.POSITIVE_INFINITY };
  };
  // p + t * (q - p): reflection, expansion and contractions are all points on the line centroid -> worst.
  const along = (p: readonly number[], q: readonly number[], t: number): number[] =>
    p.map((pi, i) => pi + t * ((q[i] as number) - pi));

  const simplex: Vertex[] = [evaluate([...x0])];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = (x[i] as number) + step;
    simplex.push(evaluate(x));
  }

  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((u, v) => u.fx - v.fx);
    const best = simplex[0] as Vertex;
    const worst = simplex[n] as Vertex;
    const secondWorst = simplex[n - 1] as Vertex;
    let spreadX = 0;
    let spreadF = 0;
    for (let j = 1; j <= n; j++) {
      const v = simplex[j] as Vertex;
      spreadF = Math.max(spreadF, Math.abs(v.fx - best.fx));
      for (let i = 0; i < n; i++) spreadX = Math.max(spreadX, Math.abs((v.x[i] as number) - (best.x[i] as number)));
    }
    if (spreadX <= xTol && spreadF <= fTol) {
      converged = true;
      break;
    }
    if (options.abandon?.(best.x)) break;

    const centroid = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) {
      const v = simplex[j] as Vertex;
      for (let i = 0; i < n; i++) centroid[i] = (centroid[i] as number) + (v.x[i] as number) / n;
    }

    const reflected = evaluate(along(centroid, worst.x, -rho));
    if (reflected.fx < best.fx) {
      const expanded = evaluate(along(centroid, worst.x, -rho * chi));
      simplex[n] = expanded.fx < reflected.fx ? expanded : reflected;
      continue;
    }
    if (reflected.fx < secondWorst.fx) {
      simplex[n] = reflected;
      continue;
    }
    // Outside contraction if the reflection helped at all, otherwise inside contraction.
    const outside = reflected.fx < worst.fx;
    const contracted = evaluate(along(centroid, worst.x, outside ? -rho * psi : psi));
    if (contracted.fx <= (outside ? reflected.fx : worst.fx)) {
      simplex[n] = contracted;
      continue;
    }
    for (let j = 1; j <= n; j++) simplex[j] = evaluate(along(best.x, (simplex[j] as Vertex).x, sigma));
  }

  simplex.sort((u, v) => u.fx - v.fx);
  const best = simplex[0] as Vertex;
  return { x: best.x, fx: best.fx, iterations, evaluations, converged };
}
