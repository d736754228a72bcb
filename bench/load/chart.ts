/** A small hand-written SVG line chart for the load report: axes with ticks, lines, an optional goal line. */

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** A dashed horizontal line (a goal). */
  goal?: { y: number; label: string };
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Round tick values covering [0, max]. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const m = { left: 64, right: 150, top: 36, bottom: 48 };
  const all = o.series.flatMap((s) => s.points);
  const xs = ticks(Math.max(...all.map((p) => p[0]), 1));
  const ys = ticks(Math.max(...all.map((p) => p[1]), o.goal?.y ?? 0, 1));
  const xMax = xs.at(-1)!;
  const yMax = ys.at(-1)!;
  const px = (x: number) => m.left + (x / xMax) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - (y / yMax) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const y of ys) parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/><text x="${m.left - 6}" y="${py(y) + 4}" text-anchor="end">${y}</text>`);
  for (const x of xs) parts.push(`<text x="${px(x)}" y="${height - m.bottom + 16}" text-anchor="middle">${x}</text>`);
  parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${py(0)}" y2="${py(0)}" stroke="#333"/><line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${py(0)}" stroke="#333"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  if (o.goal) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${py(o.goal.y)}" y2="${py(o.goal.y)}" stroke="#888" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${width - m.right + 6}" y="${py(o.goal.y) + 4}" fill="#555">${esc(o.goal.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="2.5" fill="${color}"/>`);
    parts.push(`<rect x="${width - m.right + 6}" y="${m.top + i * 18}" width="12" height="3" fill="${color}"/><text x="${width - m.right + 22}" y="${m.top + i * 18 + 5}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
