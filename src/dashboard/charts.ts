import type { DashboardFigures } from './dashboard.service.ts';

/**
 * Chart.js configurations built on the server from the page's figures: plain JSON (no callbacks), embedded
 * in the page, so the browser script only hands each one to Chart.js. Every chart names its axes.
 */
export type ChartConfig = { type: 'bar' | 'line'; data: { labels: string[]; datasets: Record<string, unknown>[] }; options: Record<string, unknown> };

const BLUE = '#2f6fb0';
const ORANGE = '#e07b28';
const GREY = '#8a8f98';
const GREEN = '#3a9a5b';

const axis = (title: string, extra: Record<string, unknown> = {}) => ({ title: { display: true, text: title }, ...extra });
const base = (xTitle: string, yTitle: string, scales: Record<string, unknown> = {}) => ({
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { position: 'bottom' } },
  scales: { x: axis(xTitle), y: axis(yTitle, { beginAtZero: true }), ...scales },
});
const pct = (x: number) => Math.round(x * 1000) / 10;
const money = (x: number) => Math.round(x * 100) / 100;

export function chartsOf(f: DashboardFigures): Record<string, ChartConfig> {
  const charts: Record<string, ChartConfig> = {};
  if (f.segments.ok && f.segments.data.segments.length > 0) {
    const s = f.segments.data.segments;
    charts.segments = {
      type: 'bar',
      data: {
        labels: s.map((x) => x.name),
        datasets: [
          { label: 'Customers', data: s.map((x) => x.size), backgroundColor: BLUE, yAxisID: 'y' },
          { label: 'Revenue share (%)', data: s.map((x) => pct(x.revenueShare)), backgroundColor: ORANGE, yAxisID: 'y1' },
        ],
      },
      options: base('segment', 'customers', { y1: axis('revenue share (%)', { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } }) }),
    };
  }
  if (f.costs.ok) {
    const c = f.costs.data;
    charts.spend = {
      type: 'bar',
      data: {
        labels: c.byDay.map((d) => d.day.slice(5)),
        datasets: [
          { type: 'bar', label: 'AI spend (USD, all regions)', data: c.byDay.map((d) => money(d.costUsd)), backgroundColor: BLUE, order: 2 },
          { type: 'line', label: `Daily budget (USD ${c.global.dailyUsd})`, data: c.byDay.map(() => c.global.dailyUsd), borderColor: ORANGE, backgroundColor: ORANGE, pointRadius: 0, borderDash: [6, 4], order: 1 },
        ],
      },
      options: base(`day (${c.from} to ${c.to}, UTC)`, 'US dollars'),
    };
  }
  if (f.cache.ok && f.cache.data.caches.length > 0) {
    const rows = f.cache.data.caches;
    charts.cache = {
      type: 'bar',
      data: { labels: rows.map((r) => r.cache), datasets: [{ label: 'Hit rate (%)', data: rows.map((r) => (r.hitRate === null ? 0 : pct(r.hitRate))), backgroundColor: GREEN }] },
      options: { ...base('hit rate (%)', 'cache'), indexAxis: 'y', scales: { x: axis('hit rate (%)', { min: 0, max: 100 }), y: axis('cache') } },
    };
  }
  if (f.accuracy.ok) {
    const { backtest, population } = f.accuracy.data;
    const inner = population?.innerSplit ?? [];
    const labels = [...backtest.rows.map((r) => `${r.dataSet} (backtest)`), ...inner.map((o) => `${f.jurisdiction} refit, ${o.horizonDays}-day odds (inner split)`)];
    charts.accuracy = {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Cadence AUC', data: [...backtest.rows.map((r) => r.cadenceAuc), ...inner.map((o) => o.stackAuc)], backgroundColor: BLUE },
          { label: 'BG/NBD AUC', data: [...backtest.rows.map((r) => r.bgnbdAuc), ...inner.map((o) => o.bgnbdAuc)], backgroundColor: GREY },
        ],
      },
      options: base('data set', 'AUC: buys in the window', { y: axis('AUC: buys in the window', { min: 0.5, max: 1 }) }),
    };
  }
  if (f.live.ok) {
    // Every minute of the window, quiet ones as zero (the consumer keeps buckets only for minutes with events).
    const by = new Map(f.live.data.perMinute.map((m) => [m.minute.slice(0, 16), m]));
    const minutes: string[] = [];
    for (let t = Date.parse(f.live.data.window.from); t <= Date.parse(f.live.data.window.to); t += 60_000) minutes.push(new Date(t).toISOString().slice(0, 16));
    charts.live = {
      type: 'line',
      data: {
        labels: minutes.map((m) => m.slice(11, 16)),
        datasets: [
          { label: 'Orders per minute', data: minutes.map((m) => by.get(m)?.orders ?? 0), borderColor: BLUE, backgroundColor: BLUE, pointRadius: 0, tension: 0.2 },
          { label: 'Lines per minute', data: minutes.map((m) => by.get(m)?.lines ?? 0), borderColor: GREY, backgroundColor: GREY, pointRadius: 0, tension: 0.2 },
        ],
      },
      options: base('minute (UTC), last hour', 'count'),
    };
  }
  if (f.experiments.ok) {
    f.experiments.data.items.forEach((e, i) => {
      if (!e.results.ok) return;
      const v = e.results.data.variations;
      const rate = v.every((x) => x.conversionRate !== undefined);
      charts[`experiment-${i}`] = {
        type: 'bar',
        data: {
          labels: v.map((x) => x.name ?? x.key),
          datasets: [rate
            ? { label: 'Conversion rate (%)', data: v.map((x) => pct(x.conversionRate ?? 0)), backgroundColor: [BLUE, ORANGE, GREEN, GREY] }
            : { label: `Mean ${e.primaryMetric}`, data: v.map((x) => x.metrics[e.primaryMetric]?.mean ?? 0), backgroundColor: [BLUE, ORANGE, GREEN, GREY] }],
        },
        options: { ...base('variation', rate ? 'conversion rate (%)' : e.primaryMetric), plugins: { legend: { display: false } } },
      };
    });
  }
  return charts;
}

/**
 * JSON for a `<script type="application/json">` element: `<` (so `</script>` and `<!--`), `>`, `&` and the
 * two line separators are escaped, so no shop-provided string (a segment or experiment name) can end the
 * element or start markup; JSON.parse reads the escapes back.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
