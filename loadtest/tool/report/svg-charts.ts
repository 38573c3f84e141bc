// Inline SVG charts for the HTML report: no script, no CDN (the report is opened on machines
// without internet and must stay one self-contained file).

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number | null]>;
}

const W = 640, H = 260, L = 60, R = 16, T = 28, B = 40;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick steps (1, 2, 5 × 10^k) so axis labels read well. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.001 && ticks.length < 20; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function frame(title: string, xLabel: string, yLabel: string, xTicks: number[], yTicks: number[], sx: (x: number) => number, sy: (y: number) => number): string {
  const parts = [`<text x="${L}" y="18" class="t">${esc(title)}</text>`];
  for (const y of yTicks) parts.push(`<line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" class="g"/><text x="${L - 6}" y="${sy(y) + 4}" class="a" text-anchor="end">${y}</text>`);
  for (const x of xTicks) parts.push(`<text x="${sx(x)}" y="${H - B + 16}" class="a" text-anchor="middle">${x}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" class="a" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" class="a" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(yLabel)}</text>`);
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="x"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="x"/>`);
  return parts.join('');
}

function svg(body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${body}</svg>`;
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  if (xs.length === 0 || ys.length === 0) return svg(`<text x="${L}" y="18" class="t">${esc(title)}</text><text x="${L}" y="60" class="a">no data</text>`);
  const xTicks = niceTicks(Math.max(...xs));
  const yTicks = niceTicks(Math.max(...ys));
  const xMax = xTicks[xTicks.length - 1], yMax = yTicks[yTicks.length - 1];
  const sx = (x: number) => Math.round((L + (x / xMax) * (W - L - R)) * 10) / 10;
  const sy = (y: number) => Math.round((H - B - (y / yMax) * (H - T - B)) * 10) / 10;
  const lines = series.map((s, i) => {
    // a null (no sample that second) breaks the line instead of drawing a false zero
    const d = s.points.map((p, k) => (p[1] === null ? '' : `${k === 0 || s.points[k - 1][1] === null ? 'M' : 'L'}${sx(p[0])},${sy(p[1])}`)).join('');
    const legend = `<rect x="${W - R - 150}" y="${T + 4 + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${W - R - 135}" y="${T + 13 + i * 16}" class="a">${esc(s.name)}</text>`;
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>${legend}`;
  });
  return svg(frame(title, xLabel, yLabel, xTicks, yTicks, sx, sy) + lines.join(''));
}

/** Latency histogram: counts summed into log-spaced bins, bars on a log time axis. */
export function histogramChart(title: string, buckets: Array<[number, number, number]>): string {
  if (buckets.length === 0) return svg(`<text x="${L}" y="18" class="t">${esc(title)}</text><text x="${L}" y="60" class="a">no samples</text>`);
  const lo = Math.max(1, buckets[0][0]), hi = Math.max(lo * 2, buckets[buckets.length - 1][1]);
  const bins = 48;
  const logLo = Math.log10(lo), span = Math.log10(hi) - logLo;
  const counts = new Array<number>(bins).fill(0);
  for (const [low, , count] of buckets) counts[Math.min(bins - 1, Math.max(0, Math.floor(((Math.log10(Math.max(1, low)) - logLo) / span) * bins)))] += count;
  const yTicks = niceTicks(Math.max(...counts));
  const yMax = yTicks[yTicks.length - 1];
  const bw = (W - L - R) / bins;
  const sy = (y: number) => Math.round((H - B - (y / yMax) * (H - T - B)) * 10) / 10;
  const decades: number[] = [];
  for (let d = Math.ceil(logLo); d <= Math.log10(hi); d++) decades.push(d);
  const sxLog = (d: number) => Math.round((L + ((d - logLo) / span) * (W - L - R)) * 10) / 10;
  const bars = counts.map((c, i) => (c ? `<rect x="${L + i * bw}" y="${sy(c)}" width="${Math.max(1, bw - 1)}" height="${H - B - sy(c)}" fill="#4a7bd0"/>` : '')).join('');
  const labels = decades.map((d) => `<text x="${sxLog(d)}" y="${H - B + 16}" class="a" text-anchor="middle">${10 ** d / 1000 >= 1 ? 10 ** d / 1000 + ' ms' : 10 ** d + ' µs'}</text>`).join('');
  return svg(frame(title, 'latency (log scale)', 'samples', [], yTicks, () => 0, sy) + bars + labels);
}

export const CHART_CSS = '.t{font:bold 13px sans-serif}.a{font:11px sans-serif;fill:#444}.g{stroke:#e4e4e4}.x{stroke:#888}';
