import { describe, expect, it } from 'vitest';
import { lineChart, ticks } from '../../bench/load/chart.ts';
import { capacity, passes, percentile, rateSteps, rssGrowth, summarize, type Sample } from '../../bench/load/stats.ts';

/** The load suite's verdicts: what `npm run load` reports as the capacity and whether a goal is met. */
describe('the load suite arithmetic', () => {
  const step = (rate: number, p99Ms: number, errors = 0) => ({ rate, p99Ms, errors, count: 100, p50Ms: 1, maxMs: p99Ms, fiveXX: 0 });

  it('takes the highest rate under the p99 goal with no errors, stopping at the first step that fails', () => {
    expect(capacity([step(50, 10), step(75, 20), step(112, 49.9), step(169, 60), step(253, 30)], 50)).toBe(112);
    expect(capacity([step(50, 10), step(75, 12, 1), step(112, 13)], 50)).toBe(50);
    expect(capacity([step(50, 80)], 50)).toBe(0);
    expect(passes(step(50, 50), 50)).toBe(false);
    expect(passes({ ...step(50, 1), count: 0 }, 50)).toBe(false);
  });

  it('steps the offered rate up geometrically to the maximum', () => {
    expect(rateSteps(50, 1.5, 400)).toEqual([50, 75, 113, 170, 255, 383]);
    expect(rateSteps(100, 2, 100)).toEqual([100]);
  });

  it('counts an unanswered request and any non-2xx as an error, and a 5xx as a 5xx', () => {
    const samples: Sample[] = [
      { due: 0, kind: 'predictions', latencyMs: 2, status: 200 },
      { due: 400, kind: 'purchase', latencyMs: 40, status: 503 },
      { due: 1200, kind: 'predictions', latencyMs: 4, status: 0 },
      { due: 1500, kind: 'predictions', latencyMs: 3, status: 404 },
    ];
    const r = summarize({ rate: 4, seconds: 1, windowSeconds: 1 }, samples);
    expect([r.errors, r.fiveXX, r.achieved]).toEqual([3, 1, 1]);
    expect(r.byKind.predictions!.count).toBe(3);
    expect(r.windows.map((w) => [w.t, w.count])).toEqual([[0, 2], [1, 2]]);
    expect(r.statuses).toEqual({ '0': 1, '200': 1, '404': 1, '503': 1 });
  });

  it('reads percentiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 99), percentile(xs, 100), percentile([], 99)]).toEqual([50, 99, 100, 0]);
  });

  it('measures RSS growth after the warm-up only, third against third, so a GC sawtooth is not growth', () => {
    const sawtooth = [400, 270, 330, 370, 240, 270, 318, 319, 319, 319].map((mb, i) => ({ t: i * 60, rssKb: mb * 1024 }));
    // After the first sample (warm-up): first third 270, 330, 370 (median 330); last third 319s: -3%.
    expect(rssGrowth(sawtooth, 60)).toBeCloseTo(319 / 330 - 1, 5);
    const leak = Array.from({ length: 12 }, (_, i) => ({ t: i * 10, rssKb: 100_000 + i * 2_000 }));
    expect(rssGrowth(leak, 0)).toBeGreaterThan(0.1);
  });

  it('draws an SVG line chart with a goal line and every point', () => {
    const svg = lineChart({ title: 'p99 <a>', xLabel: 'rate', yLabel: 'ms', series: [{ name: 'p99', points: [[50, 10], [75, 60]] }], goal: { y: 50, label: 'goal' } });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('p99 &lt;a&gt;');
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    expect(ticks(73)).toEqual([0, 20, 40, 60, 80]);
  });
});
