/**
 * How good can a list be on the generated grocery shop? (decision 132)
 *
 *   npx tsx scripts/recs-grocery-limit.ts [--customers 3000] [--seed 7]
 *
 * Replays `generateGroceryShop` with its hidden state kept (each household's regulars, how long a pack
 * lasts it, its order rhythm), checks that the replay writes exactly the generator's lines, then scores, over
 * the customers with history who buy between 2025-11-01 and 2025-11-30 (the README's grocery table):
 *
 * - buy-again (evaluate-recs' baseline);
 * - the Bayes posterior of the generator's own model given only what an order export shows (purchase days
 *   per product): each product a regular with the generator's chance, bought at an order with its chances;
 *   no estimation error at all, the best any method can do from the same observations, timing aside;
 * - an oracle that knows each household's regulars (not when they run out);
 * - an oracle that knows every hidden state and simulates the month 400 times (timing included).
 *
 * NDCG@10 with the paired bootstrap ratio to buy-again, as evaluate-recs prints it. A diagnostic of the
 * generator, not a method: nothing here is used by a recommender.
 */
import { parseArgs } from 'node:util';
import { GROCERY_CATALOG, generateGroceryShop, type GroceryProduct } from '../src/local/grocery-data.ts';
import { bootstrap, ndcgAt } from '../src/recommendations/model/metrics.ts';
import { prng } from '../src/shared/random.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '3000' }, seed: { type: 'string', default: '7' } } });
const customers = Number(values.customers);
const seed = Number(values.seed);
const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const END = Date.UTC(2025, 11, 31);
const asOf = Math.floor(Date.UTC(2025, 10, 1) / DAY);
const endDay = Math.floor(Date.UTC(2025, 10, 30) / DAY);
// The generator's constants (src/local/grocery-data.ts), restated: the replay below checks they still hold.
const REGULAR_SHARE = 0.7;
const BOUGHT_WHEN_DUE = 0.45;
const MEAN_WHIMS = 5;

interface Regular { p: GroceryProduct; every: number; last: number }
interface Household { id: string; baby: boolean; pet: boolean; gap: number; regulars: Regular[]; atAsOf: Regular[]; lastOrderBefore: number; eligible: GroceryProduct[]; whimWeight: number; history: Map<string, number>; lastBought: Map<string, number>; twoAtATime: Map<string, number>; orders: number; window: Set<string> }

const forHousehold = (p: GroceryProduct, baby: boolean, pet: boolean) => (p.category === 'baby' ? baby : p.category === 'pet' ? pet : true);
const pickWhim = (r: () => number, eligible: readonly GroceryProduct[], weight: number) => {
  let x = r() * weight;
  return eligible.find((p) => (x -= p.appeal ** 2) <= 0) ?? eligible[eligible.length - 1]!;
};

/** The generator's loop, step for step (same draws in the same order), keeping what it hides. */
function replay(): { households: Household[]; lines: string[] } {
  const rnd = prng(seed);
  const households: Household[] = [];
  const lines: string[] = [];
  for (let n = 0; n < customers; n++) {
    const id = `g${String(n + 1).padStart(5, '0')}`;
    const baby = rnd.next() < 0.15;
    const pet = rnd.next() < 0.3;
    const size = rnd.int(1, 5);
    const gap = 21 * Math.exp(0.6 * rnd.normal());
    const eligible = GROCERY_CATALOG.filter((p) => forHousehold(p, baby, pet));
    const regulars = eligible.filter((p) => p.consumable && rnd.next() < REGULAR_SHARE * p.appeal).map((p) => ({ p, every: (p.days * Math.exp(0.3 * rnd.normal()) * 2) / (1 + size / 2), last: -Infinity }));
    const whimWeight = eligible.reduce((s, p) => s + p.appeal ** 2, 0);
    const h: Household = { id, baby, pet, gap, regulars, atAsOf: [], lastOrderBefore: Number.NaN, eligible, whimWeight, history: new Map(), lastBought: new Map(), twoAtATime: new Map(), orders: 0, window: new Set() };
    let t = START + Math.cbrt(rnd.next()) * (END - START);
    let orders = rnd.next() < 0.35 ? rnd.int(1, 3) : rnd.next() < 0.25 ? rnd.int(2, 20) : Number.POSITIVE_INFINITY;
    let kept = false;
    while (t < END && orders-- > 0) {
      const day = Math.floor(t / DAY);
      if (day >= asOf && !kept) [kept, h.atAsOf] = [true, regulars.map((r) => ({ ...r }))];
      const basket = new Map<string, number>();
      for (const r of regulars) {
        if (day - r.last >= r.every * (0.75 + 0.5 * rnd.next()) && rnd.next() < BOUGHT_WHEN_DUE) {
          basket.set(r.p.productId, rnd.next() < 0.85 ? 1 : 2);
          r.last = day;
        }
      }
      const whims = 1 + Math.floor(-Math.log(1 - rnd.next()) * (MEAN_WHIMS - 1));
      for (let w = 0; w < whims; w++) {
        const pick = pickWhim(rnd.next, eligible, whimWeight);
        basket.set(pick.productId, basket.get(pick.productId) ?? 1);
      }
      for (const [productId, quantity] of basket) {
        lines.push(`${id},${day},${productId},${quantity}`);
        if (day < asOf) {
          h.history.set(productId, (h.history.get(productId) ?? 0) + 1);
          h.lastBought.set(productId, day);
          if (quantity === 2) h.twoAtATime.set(productId, (h.twoAtATime.get(productId) ?? 0) + 1);
        } else if (day <= endDay) h.window.add(productId);
      }
      if (day < asOf) [h.orders, h.lastOrderBefore] = [h.orders + 1, t];
      t += gap * rnd.gammaNoise(0.35) * DAY;
    }
    if (!kept) h.atAsOf = regulars.map((r) => ({ ...r }));
    households.push(h);
  }
  return { households, lines };
}

const { households, lines } = replay();
const generated = generateGroceryShop({ customers, seed }).map((l) => `${l.customerId},${Math.floor(Date.parse(l.day) / DAY)},${l.productId},${l.quantity}`);
if (generated.length !== lines.length || generated.some((l, i) => l !== lines[i])) throw new Error('the replay no longer matches generateGroceryShop: update it to the generator');
const evaluated = households.filter((h) => h.orders > 0 && h.window.size > 0);

const logBinomial = (n: number, N: number, q: number) => n * Math.log(Math.max(q, 1e-12)) + (N - n) * Math.log(Math.max(1 - q, 1e-12));
/** The chance a product is among an order's whims (whims per order: 1 + a geometric of mean 4). */
const whimChance = (p: GroceryProduct, weight: number) => 1 - Math.pow(1 - p.appeal ** 2 / weight, MEAN_WHIMS);
const top10 = (scores: Map<string, number>) => [...scores].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([p]) => p);

/** evaluate-recs' buy-again: own products by purchase days, then recency, then id. */
function buyAgain(h: Household): string[] {
  return [...h.history].sort((a, b) => b[1] - a[1] || h.lastBought.get(b[0])! - h.lastBought.get(a[0])! || a[0].localeCompare(b[0])).slice(0, 10).map(([p]) => p);
}

/** The generator's own model, posterior on the purchase-day counts only (what an order export shows). */
function bayes(h: Household, withQuantity = false): string[] {
  const bought = (c: string) => [...h.history.keys()].some((p) => GROCERY_CATALOG.find((g) => g.productId === p)?.category === c);
  const weightIf = (baby: boolean, pet: boolean) => GROCERY_CATALOG.filter((p) => forHousehold(p, baby, pet)).reduce((s, p) => s + p.appeal ** 2, 0);
  const chance = (p: GroceryProduct, weight: number) => {
    const w = whimChance(p, weight);
    const rho = p.consumable ? REGULAR_SHARE * p.appeal : 0;
    const q = 1 - (1 - BOUGHT_WHEN_DUE) * (1 - w);
    const n = h.history.get(p.productId) ?? 0;
    // The generator's artefact: a regular is bought two at a time 15% of the times, a whim never.
    const two = withQuantity ? (h.twoAtATime.get(p.productId) ?? 0) : 0;
    const quantity = withQuantity ? logBinomial(two, n, (BOUGHT_WHEN_DUE * 0.15) / q) : 0;
    const a = Math.log(rho + 1e-12) + logBinomial(n, h.orders, q) + quantity;
    const b = two > 0 ? Number.NEGATIVE_INFINITY : Math.log(1 - rho) + logBinomial(n, h.orders, w);
    const r = 1 / (1 + Math.exp(b - a));
    return { p: r * q + (1 - r) * w, none: rho * (1 - q) ** h.orders + (1 - rho) * (1 - w) ** h.orders };
  };
  // Whether the household buys baby (pet) goods at all: certain once it bought one, else the prior weighed by how unlikely it is to have bought none.
  const eligibility = (c: string, prior: number) => {
    if (bought(c)) return 1;
    const none = GROCERY_CATALOG.filter((p) => p.category === c).reduce((s, p) => s * chance(p, weightIf(true, true)).none, 1);
    return (prior * none) / (prior * none + 1 - prior);
  };
  const baby = eligibility('baby', 0.15);
  const pet = eligibility('pet', 0.3);
  const weight = weightIf(baby > 0.5, pet > 0.5);
  const scores = new Map<string, number>();
  for (const p of GROCERY_CATALOG) {
    if (!p.consumable && h.history.has(p.productId)) continue;
    scores.set(p.productId, (p.category === 'baby' ? baby : p.category === 'pet' ? pet : 1) * chance(p, weight).p);
  }
  return top10(scores);
}

/** Knows the household's regulars: the chance of each product in an order, timing aside. */
function knowsRegulars(h: Household): string[] {
  const regular = new Set(h.regulars.map((r) => r.p.productId));
  return top10(new Map(h.eligible.map((p) => [p.productId, 1 - (1 - (regular.has(p.productId) ? BOUGHT_WHEN_DUE : 0)) * (1 - whimChance(p, h.whimWeight))])));
}

/** Knows everything hidden at the as-of day and simulates the window (given that the household orders in it). */
function knowsAll(h: Household, sim: ReturnType<typeof prng>): string[] {
  const seen = new Map<string, number>();
  for (let run = 0; run < 400; run++) {
    let t = Number.NaN;
    for (let i = 0; i < 200 && Number.isNaN(t); i++) {
      const c = h.lastOrderBefore + h.gap * sim.gammaNoise(0.35) * DAY;
      if (Math.floor(c / DAY) >= asOf) t = c;
    }
    if (Number.isNaN(t) || Math.floor(t / DAY) > endDay) continue;
    const regulars = h.atAsOf.map((r) => ({ ...r }));
    const basket = new Set<string>();
    for (; Math.floor(t / DAY) <= endDay; t += h.gap * sim.gammaNoise(0.35) * DAY) {
      const day = Math.floor(t / DAY);
      for (const r of regulars) {
        if (day - r.last >= r.every * (0.75 + 0.5 * sim.next()) && sim.next() < BOUGHT_WHEN_DUE) {
          basket.add(r.p.productId);
          r.last = day;
        }
      }
      const whims = 1 + Math.floor(-Math.log(1 - sim.next()) * (MEAN_WHIMS - 1));
      for (let w = 0; w < whims; w++) basket.add(pickWhim(sim.next, h.eligible, h.whimWeight).productId);
    }
    for (const p of basket) seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  return top10(seen);
}

const sim = prng(99);
const rows: [string, (h: Household) => string[]][] = [
  ['buy-again (baseline)', buyAgain],
  ["Bayes posterior of the generator's model, purchase days only", bayes],
  ['the same, and the quantities (an artefact of the generator)', (h) => bayes(h, true)],
  ["oracle: knows each household's regulars", knowsRegulars],
  ['oracle: knows every hidden state, simulates the month', (h) => knowsAll(h, sim)],
];
const perCustomer = rows.map(([, f]) => evaluated.map((h) => ndcgAt(f(h), h.window, 10)));
const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
console.log(`grocery (${customers} customers, seed ${seed}): ${evaluated.length} customers with history buy between 2025-11-01 and 2025-11-30; the replay matches the generator's ${lines.length} lines`);
console.log('| list | NDCG@10 (95% CI) | vs buy-again (95% CI) |\n|---|---:|---:|');
for (const [i, [name]] of rows.entries()) {
  const b = bootstrap(perCustomer[i]!, perCustomer[0]!);
  const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs(100 * (r - 1)).toFixed(1)}%`;
  const ratio = mean(perCustomer[i]!) / mean(perCustomer[0]!);
  console.log(`| ${name} | ${mean(perCustomer[i]!).toFixed(3)} (${b.mean[0].toFixed(3)}..${b.mean[1].toFixed(3)}) | ${i === 0 ? '—' : `${pct(ratio)} (${pct(b.ratio[0])} .. ${pct(b.ratio[1])})`} |`);
}
