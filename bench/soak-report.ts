// The soak scenario's part of docs/benchmarks.md (report.ts places it): the success checks, a
// per-bucket table per system and SVG line charts of the series. Pure: it returns the Markdown and
// the SVGs by file name, and report.ts writes them (test/unit/bench-soak.spec.ts renders it).
import type { SoakBucket, SoakVerdict } from './support/soak.js';
import { P99_RATIO_LIMIT, SIZE_GROWTH_LIMIT } from './support/soak.js';
import { round } from './support/stats.js';

/** What the soak scenario keeps under details[`${system}/${scenario}/1`]. */
export interface SoakDetail {
  rate: number;
  handlerMs: number;
  bucketSeconds: number;
  durationSeconds: number;
  sent: number;
  completed: number;
  drained: boolean;
  drainSeconds: number;
  verdict: SoakVerdict;
  buckets: SoakBucket[];
}

/** The parts of a BenchReport this needs (so the tests build one by hand). */
export interface SoakReportInput {
  systems: Record<string, { label: string }>;
  details?: Record<string, unknown>;
}

export const SOAK_VARIANTS = [
  { scenario: 'soak', title: 'no-op handlers' },
  { scenario: 'soak-5ms', title: '5 ms handlers' },
] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '–' : `${round(bytes / 2 ** 20, 3)}`);
const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '–' : `${round(v, digits)}`);
const countMs = (n: number | null, ms: number | null) => (n === null ? '–' : `${n} / ${ms === null ? '–' : Math.round(ms)}`);

/** The soak runs of one scenario in a report, in the order of `order` (the table order). */
export function soakRuns(report: SoakReportInput, scenario: string, order: readonly string[]): Array<{ system: string; label: string; detail: SoakDetail }> {
  const out: Array<{ system: string; label: string; detail: SoakDetail }> = [];
  for (const system of order) {
    // The soak runs once; a key of a later repetition would come from an older layout.
    const keys = Object.keys(report.details ?? {}).filter((k) => k.startsWith(`${system}/${scenario}/`)).sort();
    const detail = keys.length ? ((report.details ?? {})[keys[0]!] as SoakDetail) : undefined;
    if (detail?.buckets) out.push({ system, label: report.systems[system]?.label ?? system, detail });
  }
  return out;
}

export interface LineSeries {
  label: string;
  color: string;
  points: Array<[number, number | null]>;
}

/**
 * A line chart, hand-written SVG like the bar charts of report.ts: x from 0 to the last point, y from
 * 0, or on a log scale (`log`: decades from the smallest positive value's to the largest's), for
 * latencies that differ by orders of magnitude between rows.
 */
export function lineChart(title: string, xLabel: string, yLabel: string, series: LineSeries[], { log = false } = {}): string {
  const width = 760;
  const left = 70;
  const right = 20;
  const legendRows = Math.ceil(series.length / 2);
  const top = 34 + legendRows * 16;
  const plotHeight = 220;
  const height = top + plotHeight + 44;
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y).filter((y): y is number => y !== null && Number.isFinite(y)));
  const maxX = xs.length ? Math.max(...xs) || 1 : 1;
  const maxY = niceCeil(Math.max(0, ...ys) * 1.05);
  const positive = ys.filter((y) => y > 0);
  const lo = positive.length ? Math.floor(Math.log10(Math.min(...positive))) : 0;
  const hi = positive.length ? Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive)))) : 1;
  const px = (x: number) => left + ((width - left - right) * x) / maxX;
  const py = log
    ? (y: number) => top + plotHeight - (plotHeight * (Math.log10(Math.max(y, 10 ** lo)) - lo)) / (hi - lo)
    : (y: number) => top + plotHeight - (plotHeight * y) / (maxY || 1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  series.forEach((s, i) => {
    const x = 10 + (i % 2) * 370;
    const y = 30 + Math.floor(i / 2) * 16;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="4" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 20}" y="${y + 6}" font-size="11">${esc(s.label)}</text>`);
  });
  const yTicks = log ? Array.from({ length: hi - lo + 1 }, (_, k) => 10 ** (lo + k)) : [0, 1, 2, 3, 4].map((k) => (maxY * k) / 4);
  for (const v of yTicks) {
    const y = py(v);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#dee2e6"/>`);
    parts.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${round(v, 3)}</text>`);
  }
  const xTicks = ticks(maxX);
  for (const x of xTicks) {
    parts.push(`<text x="${px(x).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="11">${round(x, 3)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#495057"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#495057"/>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${top + plotHeight + 34}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${top + plotHeight / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${top + plotHeight / 2})">${esc(yLabel)}</text>`);
  for (const s of series) {
    // A null point breaks the line (a bucket with no sample).
    let path = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)} `;
      pen = true;
    }
    if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [x, y] of s.points) {
      if (y !== null && Number.isFinite(y)) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 × a power of ten, at least `v`. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max: number): number[] {
  const step = niceCeil(max / 8);
  const out: number[] = [];
  for (let x = 0; x <= max + 1e-9; x += step) out.push(round(x, 6));
  return out;
}

function color(system: string): string {
  if (system.startsWith('nest-pg-jobs')) return '#d9480f';
  if (system.startsWith('pg-boss')) return '#f59f00';
  if (system.startsWith('graphile')) return '#4c6ef5';
  if (system.startsWith('bullmq')) return '#2b8a3e';
  return '#868e96';
}

const check = (ok: boolean | null) => (ok === null ? '–' : ok ? 'pass' : '**fail**');

/** The per-bucket table of one run. */
export function bucketTable(detail: SoakDetail): string {
  const redis = detail.buckets.some((b) => b.store?.kind === 'redis');
  const out = [
    redis
      ? '| end, min | offered jobs/s | completed jobs/s | p50 ms | p99 ms | backlog | Redis used_memory MiB |'
      : '| end, min | offered jobs/s | completed jobs/s | p50 ms | p99 ms | backlog | table MiB | indexes MiB | dead tuples | live tuples | supervise passes / ms | autovacuum n / ms | autoanalyze n / ms | ANALYZE by the system n / ms |',
    redis ? '|---:|---:|---:|---:|---:|---:|---:|' : '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const b of detail.buckets) {
    const head = `| ${round(b.endSeconds / 60, 3)} | ${num(b.offeredPerSecond, 4)} | ${num(b.completedPerSecond, 4)} | ${num(b.p50)} | ${num(b.p99)} | ${b.backlog}`;
    if (redis) {
      out.push(`${head} | ${mib(b.store?.tableBytes)} |`);
      continue;
    }
    const m = b.maintenance;
    out.push(
      `${head} | ${mib(b.store?.tableBytes)} | ${mib(b.store?.indexBytes)} | ${b.store?.deadTuples ?? '–'} | ${b.store?.liveTuples ?? '–'} | ${countMs(m.supervisePasses, m.superviseMs)} | ${countMs(m.autovacuums, m.autovacuumMs)} | ${countMs(m.autoanalyzes, m.autoanalyzeMs)} | ${countMs(m.analyzes, m.analyzeMs)} |`,
    );
  }
  return out.join('\n');
}

/**
 * The section's Markdown (without its heading) and the SVGs, by file name under docs/benchmarks/.
 * `order` is the table order of the systems.
 */
export function soakSection(report: SoakReportInput, order: readonly string[]): { markdown: string; svgs: Record<string, string> } {
  const svgs: Record<string, string> = {};
  const blocks: string[] = [];
  for (const { scenario, title } of SOAK_VARIANTS) {
    const runs = soakRuns(report, scenario, order);
    if (runs.length === 0) continue;
    const lengths = [...new Set(runs.map((r) => `${round(r.detail.durationSeconds / 60, 3)} min in buckets of ${r.detail.bucketSeconds} s`))];
    const rates = [...new Set(runs.map((r) => r.detail.rate))];
    blocks.push(`### ${title[0]!.toUpperCase()}${title.slice(1)}: ${rates.map((r) => r.toLocaleString('en-US')).join(' / ')} jobs/s offered, ${lengths.join('; ')}`);
    blocks.push(
      [
        `| system | completed jobs/s (least bucket after the 1st) | p99 2nd bucket ms | p99 last ms | last ÷ 2nd (≤ ${P99_RATIO_LIMIT}) | store after 1st / half-way / end MiB | end ÷ half-way (≤ ${SIZE_GROWTH_LIMIT}: bounded) | growth, 2nd half, MiB/min | backlog at end | drained |`,
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
        ...runs.map(({ label, detail: d }) => {
          const v = d.verdict;
          const redis = d.buckets.at(-1)?.store?.kind === 'redis';
          return `| ${label} | ${num(v.completedPerSecond, 4)} (${num(v.minCompletedPerSecond, 4)}) | ${num(v.p99Second)} | ${num(v.p99Last)} | ${num(v.p99Ratio)} ${check(v.p99Pass)} | ${mib(v.sizeFirst)} / ${mib(v.sizeMid)} / ${mib(v.sizeLast)}${redis ? ' (Redis used_memory)' : ''} | ${num(v.sizeGrowth)} ${check(v.bounded)} | ${v.bytesPerMinute === null ? '–' : mib(v.bytesPerMinute)} | ${v.backlogEnd} | ${d.drained ? `yes, ${round(d.drainSeconds, 2)} s` : 'no (30 s)'} |`;
        }),
      ].join('\n'),
    );
    const x = (b: SoakBucket) => round(b.endSeconds / 60, 4);
    // Latencies on a log scale when the rows differ by more than 20× (2 s polling next to 20 ms).
    const charts: Array<[string, string, string, (b: SoakBucket) => number | null, boolean]> = [
      ['completed', 'completed jobs/s', 'jobs/s', (b) => b.completedPerSecond, false],
      ['p99', 'enqueue-to-start p99', 'ms', (b) => b.p99, true],
      ['p50', 'enqueue-to-start p50', 'ms', (b) => b.p50, true],
      ['size', 'job table + indexes (BullMQ: Redis used_memory)', 'MiB', (b) => (b.store ? b.store.totalBytes / 2 ** 20 : null), false],
      ['dead', 'dead tuples of the job table (PostgreSQL rows)', 'tuples', (b) => b.store?.deadTuples ?? null, false],
    ];
    const images: string[] = [];
    for (const [key, what, unit, value, mayLog] of charts) {
      const series = runs
        .map(({ system, label, detail: d }) => ({ label, color: color(system), points: d.buckets.map((b) => [x(b), value(b)] as [number, number | null]) }))
        .filter((s) => s.points.some(([, y]) => y !== null));
      if (series.length === 0) continue;
      const values = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y): y is number => y !== null && y > 0);
      const log = mayLog && values.length > 0 && Math.max(...values) / Math.min(...values) > 20;
      const file = `${scenario}-${key}.svg`;
      const chartTitle = `Soak, ${title}: ${what} per bucket${log ? ' (log scale)' : ''}`;
      svgs[file] = lineChart(chartTitle, 'minutes since the offered load started (end of bucket)', unit, series, { log });
      images.push(`![${chartTitle}](benchmarks/${file})`);
    }
    blocks.push(images.join('\n\n'));
    for (const { label, detail: d } of runs) {
      blocks.push(
        `<details><summary>${esc(label)}: per bucket (${d.sent.toLocaleString('en-US')} sent, ${d.completed.toLocaleString('en-US')} completed)</summary>\n\n${bucketTable(d)}\n\n</details>`,
      );
    }
  }
  return { markdown: blocks.join('\n\n'), svgs };
}
