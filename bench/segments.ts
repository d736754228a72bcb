/**
 * npm run bench:segments — time and peak memory to segment 100,000 and 1,000,000 generated customers
 * (k = 6, same iteration count), beside a plain Lloyd's loop over typed arrays on the same data.
 */
import { execFileSync } from 'node:child_process';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
const sizes = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const run = (mode: string, n: number) =>
  JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', 'bench/segments-run.ts', mode, String(n), String(iterations)], { encoding: 'utf8' })) as {
    segmentMs: number;
    maxRssMB: number;
    k: number;
  };

console.log(`\nbench:segments — k = 6, ${iterations} iterations, Node ${process.version}\n`);
console.log('| customers | Cadence (fit on 50k sample, assign all) s | peak RSS MB | Lloyd over typed arrays (all customers) s | peak RSS MB | time ratio Cadence / Lloyd |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const ours = run('cadence', n);
  const ref = run('lloyd', n);
  console.log(`| ${n.toLocaleString('en')} | ${(ours.segmentMs / 1000).toFixed(2)} | ${ours.maxRssMB} | ${(ref.segmentMs / 1000).toFixed(2)} | ${ref.maxRssMB} | ${(ours.segmentMs / ref.segmentMs).toFixed(2)} |`);
}
