/**
 * npm run bench:refit — the fit step of the daily refit for a 1,000,000-customer jurisdiction, on one
 * core: the scan's lines go through the refit's sampler (decision 129), the sample's histories are built
 * and the population model is fitted on them, as PredictionService.fitModel does. Reported in CPU
 * seconds beside the reference measured in the same run, a plain loop over the same lines (what the
 * scan itself costs here), with peak RSS and heap. BENCH_CUSTOMERS sets the population size.
 * BENCH_SAMPLE_STUDY=1 (without the script's heap cap: `npx tsx bench/refit.ts`) instead fits three
 * disjoint samples of 50k, 100k and 200k customers and prints the spread of the parameters and of the
 * predictions they give (docs/predictions.md).
 */
import { getHeapStatistics } from 'node:v8';
import { CustomerSample } from '../src/predictions/model/sample.ts';
import { predictCustomer } from '../src/predictions/model/customer.ts';
import { buildHistory } from '../src/predictions/model/history.ts';
import type { PopulationModel } from '../src/predictions/model/population.ts';
import { eventsOf } from '../src/predictions/history-source.ts';
import { fitFromLines, REFIT_SAMPLE } from '../src/predictions/refit-fit.ts';
import type { PurchaseLine } from '../src/purchases/purchases.model.ts';
import { syntheticCustomer, SYNTHETIC_CATALOG } from './refit-data.ts';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ASOF = 20_700;
const NONE = new Set<string>();
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
let heapPeak = 0;
const heap = () => (heapPeak = Math.max(heapPeak, getHeapStatistics().used_heap_size));
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

if (process.env.BENCH_SAMPLE_STUDY) {
  // Held-out customers every fit predicts: how much do their predictions move from sample to sample?
  const probe = Array.from({ length: 5000 }, (_, i) => buildHistory(eventsOf(syntheticCustomer(10_000_000 + i, ASOF), SYNTHETIC_CATALOG)));
  const summary = (m: PopulationModel) => {
    let alive = 0;
    let e90 = 0;
    let next = 0;
    for (const h of probe) {
      const p = predictCustomer(h, m, ASOF);
      alive += p.probabilityAlive;
      e90 += p.expectedPurchases90;
      next += p.next.nextDay - ASOF;
    }
    return { r: m.bgnbd.r, alpha: m.bgnbd.alpha, a: m.bgnbd.a, b: m.bgnbd.b, customerMu: m.customerPrior.mu, productMu: m.productPrior.mu, pAlive: alive / probe.length, e90: e90 / probe.length, nextDays: next / probe.length };
  };
  console.log(`\nbench:refit sample study — three disjoint samples per size, 5,000 held-out customers predicted by each fit\n`);
  const rows: string[] = [];
  for (const size of [50_000, 100_000, 200_000]) {
    const fits: (ReturnType<typeof summary> & { seconds: number })[] = [];
    for (let k = 0; k < 3; k++) {
      const byCustomer = new Map<string, PurchaseLine[]>();
      for (let i = k * size; i < (k + 1) * size; i++) {
        const lines = syntheticCustomer(i, ASOF);
        if (lines.length > 0) byCustomer.set(lines[0]!.customerId, lines);
      }
      const t = cpu();
      const m = fitFromLines(byCustomer, SYNTHETIC_CATALOG, NONE, ASOF);
      fits.push({ ...summary(m), seconds: cpu() - t });
    }
    const span = (key: keyof (typeof fits)[number], d = 3) => `${Math.min(...fits.map((f) => f[key])).toFixed(d)}–${Math.max(...fits.map((f) => f[key])).toFixed(d)}`;
    rows.push(`| ${size.toLocaleString('en')} | ${span('r')} | ${span('alpha')} | ${span('a')} | ${span('b')} | ${span('customerMu')} | ${span('productMu')} | ${span('pAlive')} | ${span('e90')} | ${span('nextDays', 1)} | ${span('seconds', 1)} |`);
  }
  console.log('| sample | BG/NBD r | alpha | a | b | customer prior mu | product prior mu | mean P(alive) | mean E[purchases 90d] | mean days to next | fit CPU s |');
  console.log('|---:|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  process.exit(0);
}

// The reference: a plain loop over the same lines (generated as the scan would deliver them).
let t = cpu();
let lineCount = 0;
let amount = 0;
for (let i = 0; i < customers; i++) {
  for (const l of syntheticCustomer(i, ASOF)) {
    lineCount++;
    amount += l.quantity * l.unitPrice;
  }
}
const scanSeconds = cpu() - t;
heap();

// The refit's fit: the same lines through the sampler, then the sample's histories and the model.
t = cpu();
const sample = new CustomerSample<PurchaseLine>(REFIT_SAMPLE);
for (let i = 0; i < customers; i++) {
  for (const l of syntheticCustomer(i, ASOF)) sample.add(l.customerId, l);
  if (i % 100_000 === 0) heap();
}
const kept = sample.result();
const keptCustomers = kept.size;
const sampleSeconds = cpu() - t;
heap();
t = cpu();
const model = fitFromLines(kept, SYNTHETIC_CATALOG, NONE, ASOF);
const fitSeconds = cpu() - t;
heap();
const rss = process.resourceUsage().maxRSS * 1024;

console.log(`\nbench:refit — Node ${process.version}, ${customers.toLocaleString('en')} synthetic customers, ${lineCount.toLocaleString('en')} lines (${(lineCount / customers).toFixed(1)} per customer), one core, CPU seconds\n`);
console.log('| step | CPU s | × the plain loop |');
console.log('|---|---:|---:|');
console.log(`| plain loop over the lines (reference: generate and sum, ${Math.round(amount).toLocaleString('en')}) | ${scanSeconds.toFixed(1)} | 1.00 |`);
console.log(`| the same lines through the sampler (${keptCustomers.toLocaleString('en')} of ${sample.customers.toLocaleString('en')} customers kept) | ${sampleSeconds.toFixed(1)} | ${(sampleSeconds / scanSeconds).toFixed(2)} |`);
console.log(`| fit: the sample's histories and the population model | ${fitSeconds.toFixed(1)} | ${(fitSeconds / scanSeconds).toFixed(2)} |`);
console.log(`\nrefit on one core, sampling and fit: ${(sampleSeconds + fitSeconds).toFixed(1)} CPU s (of which the lines themselves ${scanSeconds.toFixed(1)}); peak RSS ${mb(rss)}, peak heap used ${mb(heapPeak)}`);
console.log(`fitted: BG/NBD ${JSON.stringify(model.bgnbd)}; ${Object.keys(model.productPriors).length} product priors; ${model.odds.length} stacked odds; ${model.excluded} left out as anomalous`);
