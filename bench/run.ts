// `npm run bench`: every system, every scenario, side by side in one run on this machine.
// See docs/benchmarks.md for what each scenario measures; `--help` for the flags.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildTask } from './child.js';
import { writeReport } from './report.js';
import { SCALING_PROCESSES, type Figure, type ScenarioName, type ScenarioParams } from './scenarios.js';
import { startDatabase, startRedis } from './services.js';
import { legacyRun, machineSummary } from './support/runs.js';
import { REPO_ROOT, importEmbeddedPostgres } from './support/paths.js';
import { median, round } from './support/stats.js';
import { P99_RATIO_LIMIT, SIZE_GROWTH_LIMIT, bucketMsFor, type SoakVerdict } from './support/soak.js';
import { OVERHEAD_PAIRS, SOAK_ONLY_SYSTEMS, SYSTEMS, SYSTEM_NAMES, type SystemName } from './systems/index.js';
import type { ProbeResult } from './systems/system.interface.js';

const SCENARIO_ORDER: ScenarioName[] = ['burn-down', 'burn-down-analyzed', 'latency', 'enqueue', 'memory', 'scaling', 'soak', 'soak-5ms'];
const SOAK_SCENARIOS: ScenarioName[] = ['soak', 'soak-5ms'];
/**
 * What runs without --scenario. Full mode leaves the soak out: at its default length it is 20
 * minutes per system and handler variant (4 systems × 2 variants: about 2 h 45 min with boots and
 * drains), more than the rest of a full run; `--scenario=soak,soak-5ms` runs it. Quick mode (CI)
 * includes it, 1 minute per variant and for nest-pg-jobs only, about 2.5 minutes more.
 */
const DEFAULT_SCENARIOS: Record<'full' | 'quick', ScenarioName[]> = {
  full: SCENARIO_ORDER.filter((s) => !SOAK_SCENARIOS.includes(s)),
  quick: SCENARIO_ORDER,
};

/**
 * The soak's offered load, the same for every system. No-op handlers: 1,000 jobs/s, about a tenth
 * of the slowest soak row's burn-down capacity on this 2-core machine (docs/benchmarks.md: each of
 * the four does 10k–16k jobs/s with the table analyzed), so every row keeps up with room for
 * maintenance, while 60,000 jobs a minute is enough to grow a job table that is never pruned.
 * 5 ms handlers: 100 jobs/s. nest-pg-jobs' default handler runs one job at a time (concurrency 1)
 * and so does raw pg-boss's batch loop, so 5 ms handlers cap both near 200 jobs/s: 100 keeps them
 * half busy. graphile-worker (24 at once) and BullMQ (50) have far more room.
 */
export const SOAK_RATE = { soak: 1_000, 'soak-5ms': 100 } as const;
const SOAK_MINUTES = { full: 20, quick: 1 } as const;

/** The soak's success checks, for the log line of a run. */
function soakChecks(v: SoakVerdict): string {
  const verdict = (ok: boolean | null) => (ok === null ? 'not judged' : ok ? 'pass' : 'FAIL');
  return (
    `checks: p99 last ÷ 2nd bucket ${v.p99Ratio ?? '–'} (${verdict(v.p99Pass)}, ≤ ${P99_RATIO_LIMIT}); ` +
    `store end ÷ half-way ${v.sizeGrowth ?? '–'} (${verdict(v.bounded)}, ≤ ${SIZE_GROWTH_LIMIT}); backlog at end ${v.backlogEnd}`
  );
}

function soakParams(scenario: 'soak' | 'soak-5ms', minutes: number): ScenarioParams {
  const durationMs = Math.round(minutes * 60_000);
  return {
    n: 0,
    rate: SOAK_RATE[scenario],
    durationMs,
    bucketMs: bucketMsFor(durationMs),
    handlerMs: scenario === 'soak-5ms' ? 5 : 0,
    // The child's timeout (2 × budget + 2 min) covers boot, the 30 s drain and closing.
    budgetMs: durationMs + 60_000,
  };
}

/**
 * Full mode: the issue's sizes, with wall-clock budgets that keep a full run near 25 minutes on a
 * 2-core machine: a system slower than the budget allows reports the jobs it did (n in the tables).
 * Quick mode: small N, one repetition, for CI (< 2 minutes, and the soak's 2 × 1 minute).
 */
const PARAMS: Record<'full' | 'quick', Record<ScenarioName, ScenarioParams>> = {
  full: {
    'burn-down': { n: 100_000, budgetMs: 45_000 },
    'burn-down-analyzed': { n: 100_000, budgetMs: 45_000 },
    latency: { n: 1_000, budgetMs: 30_000 },
    enqueue: { n: 0, single: 2_000, concurrent: 10_000, bulk: 50_000, budgetMs: 60_000 },
    memory: { n: 1_000_000, budgetMs: 240_000 },
    scaling: { n: 100_000, budgetMs: 45_000 },
    soak: soakParams('soak', SOAK_MINUTES.full),
    'soak-5ms': soakParams('soak-5ms', SOAK_MINUTES.full),
  },
  quick: {
    'burn-down': { n: 2_000, budgetMs: 20_000 },
    'burn-down-analyzed': { n: 2_000, budgetMs: 20_000 },
    latency: { n: 200, budgetMs: 6_000 },
    enqueue: { n: 0, single: 200, concurrent: 500, bulk: 2_000, budgetMs: 9_000 },
    memory: { n: 20_000, budgetMs: 20_000 },
    scaling: { n: 2_000, budgetMs: 15_000 },
    soak: soakParams('soak', SOAK_MINUTES.quick),
    'soak-5ms': soakParams('soak-5ms', SOAK_MINUTES.quick),
  },
};
/** Memory runs once, for these systems unless --only names others. */
const MEMORY_SYSTEMS: SystemName[] = ['nest-pg-jobs'];
/**
 * Scaling runs for these systems unless --only names others (docs/benchmarks.md says why the
 * others are left out): the product's defaults, its raw pg-boss mirror with a fixed batch, the
 * fastest Postgres peer and BullMQ on Redis. Quick mode keeps CI under two minutes.
 */
const SCALING_SYSTEMS: Record<'full' | 'quick', SystemName[]> = {
  full: ['nest-pg-jobs', 'pg-boss-tuned', 'graphile-worker', 'bullmq-redis'],
  quick: ['nest-pg-jobs'],
};
/**
 * The soak's rows (the issue's): nest-pg-jobs with defaults, raw pg-boss with its own defaults,
 * graphile-worker and BullMQ on Redis. Quick mode (CI): nest-pg-jobs only.
 */
const SOAK_SYSTEMS: Record<'full' | 'quick', SystemName[]> = {
  full: ['nest-pg-jobs', 'pg-boss-defaults', 'graphile-worker', 'bullmq-redis'],
  quick: ['nest-pg-jobs'],
};

interface Args {
  quick: boolean;
  merge: boolean;
  /** --only was given (otherwise memory and scaling run for their default systems). */
  onlyGiven: boolean;
  only: SystemName[];
  scenarios: ScenarioName[];
  reps: number;
  n?: number;
  soakMinutes?: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (argv.includes('--help')) {
    console.log(`npm run bench -- [--quick] [--only=system,...] [--scenario=${SCENARIO_ORDER.join(',')}] [--reps=N] [--n=N] [--soak-minutes=N] [--merge]
  --n=N     jobs of the burn-down and scaling scenarios
  --soak-minutes=N  length of each soak run (default ${SOAK_MINUTES.full}; quick mode ${SOAK_MINUTES.quick})
            A full run without --scenario leaves the soak out (4 systems × 2 handler variants × 20 min:
            about 2 h 45 min); --scenario=soak,soak-5ms runs it. Quick mode runs it for nest-pg-jobs.
            The soak runs once per system, whatever --reps says.
  --merge   (full mode) merge this run's figures into bench/results/latest.json, replacing only the
            metrics it measured, and re-render docs/benchmarks.md; without it a full run replaces both
npm run bench -- --report   (re-render docs/benchmarks.md from bench/results/latest.json)
systems: ${SYSTEM_NAMES.join(', ')}`);
    process.exit(0);
  }
  const known = ['--quick', '--merge', '--help', '--report'];
  for (const a of argv) {
    if (!known.includes(a) && !['only', 'scenario', 'reps', 'n', 'soak-minutes'].some((k) => a.startsWith(`--${k}=`))) {
      throw new Error(`bench: unknown argument "${a}" (--help lists them)`);
    }
  }
  const quick = argv.includes('--quick');
  const merge = argv.includes('--merge');
  if (quick && merge) throw new Error('bench: --merge is for full-mode runs (quick results never go into latest.json)');
  const only = (get('only')?.split(',') ?? SYSTEM_NAMES.filter((s) => !SOAK_ONLY_SYSTEMS.includes(s))) as SystemName[];
  for (const s of only) if (!(s in SYSTEMS)) throw new Error(`bench: unknown system "${s}" (${SYSTEM_NAMES.join(', ')})`);
  const scenarios = (get('scenario')?.split(',') ?? DEFAULT_SCENARIOS[quick ? 'quick' : 'full']) as ScenarioName[];
  for (const s of scenarios) if (!SCENARIO_ORDER.includes(s)) throw new Error(`bench: unknown scenario "${s}"`);
  const reps = Number(get('reps') ?? (quick ? 1 : 3));
  const n = get('n') !== undefined ? Number(get('n')) : undefined;
  const soakMinutes = get('soak-minutes') !== undefined ? Number(get('soak-minutes')) : undefined;
  if (soakMinutes !== undefined && !(soakMinutes > 0)) throw new Error('bench: --soak-minutes must be a positive number');
  return {
    quick,
    merge,
    onlyGiven: get('only') !== undefined,
    only,
    scenarios,
    reps,
    ...(n !== undefined ? { n } : {}),
    ...(soakMinutes !== undefined ? { soakMinutes } : {}),
  };
}

const childPath = fileURLToPath(new URL('./child.js', import.meta.url));

function runChild(task: ChildTask, timeoutMs: number, execArgv: string[] = []): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [JSON.stringify(task)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.once('message', (message: { ok: boolean; result?: unknown; error?: string }) => {
      settled = true;
      clearTimeout(timer);
      if (message.ok) resolve(message.result);
      else reject(new Error(message.error));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(new Error(`child exited with code ${code} before reporting`));
      }
    });
  });
}

export interface MetricResult extends Figure {
  scenario: ScenarioName;
  repetitions: number[];
  min: number;
  max: number;
  /** Id of the run (in `runs`) that measured it: ratios mean something only within one run. */
  run?: string;
}

/** One `npm run bench` that produced figures still in latest.json (a --merge run adds one). */
export interface RunRecord {
  /** The run's start, ISO; metrics point at it through `run`. */
  id: string;
  finishedAt: string;
  command: string;
  mode: string;
  durationSeconds: number;
  repetitions: number;
  /** What the run measured: scenario → systems with at least one figure. */
  scenarios: Partial<Record<ScenarioName, string[]>>;
  machine: string;
  errors: number;
}

export type BenchReport = {
  command: string;
  mode: string;
  generatedAt: string;
  durationSeconds: number;
  machine: Record<string, unknown> & { cpus: Array<{ model: string }>; cpuCount: number; memoryBytes: number };
  params: Record<ScenarioName, ScenarioParams>;
  repetitions: number;
  systems: Record<string, { label: string; settings: unknown }>;
  results: Record<string, Record<string, MetricResult>>;
  overhead: Record<string, Record<string, number>>;
  /** Scaling: jobs/s with k processes ÷ jobs/s with 1, by system and k. */
  scaling?: Record<string, Record<string, number>>;
  details?: Record<string, unknown>;
  runs?: RunRecord[];
  errors: string[];
};

const LATEST = join(REPO_ROOT, 'bench', 'results', 'latest.json');

/** Ratios between figures of one run only: overhead pairs and scaling speed-ups. */
function derive(results: BenchReport['results']): Pick<BenchReport, 'overhead' | 'scaling'> {
  // 4. Overhead: time per job of nest-pg-jobs over raw pg-boss with the same options (> 1 = slower).
  const overhead: Record<string, Record<string, number>> = {};
  for (const [nest, boss] of OVERHEAD_PAIRS) {
    const a = results[nest];
    const b = results[boss];
    if (!a || !b) continue;
    const pair: Record<string, number> = {};
    for (const [metric, fig] of Object.entries(a)) {
      const other = b[metric];
      if (!other || ['memory', 'scaling', ...SOAK_SCENARIOS].includes(fig.scenario) || other.run !== fig.run) continue;
      pair[metric] = round(fig.unit === 'jobs/s' ? other.value / fig.value : fig.value / other.value, 3);
    }
    if (Object.keys(pair).length) overhead[`${nest} / ${boss}`] = pair;
  }
  // 6. Scaling: speed-up of k processes over one.
  const scaling: Record<string, Record<string, number>> = {};
  for (const [system, metrics] of Object.entries(results)) {
    const one = metrics['scaling-1'];
    if (!one) continue;
    for (const k of SCALING_PROCESSES.slice(1)) {
      const fig = metrics[`scaling-${k}`];
      if (fig && fig.run === one.run) (scaling[system] ??= {})[String(k)] = round(fig.value / one.value, 3);
    }
  }
  return { overhead, scaling };
}

/**
 * --merge: this run's figures replace the same system × metric in the committed report, everything
 * else stays (with the run that measured it). Settings, parameters and details of what this run
 * measured are replaced too; errors of the system × scenario pairs it ran again are dropped.
 */
function merge(old: BenchReport, fresh: BenchReport, attempted: Array<[string, ScenarioName]>): BenchReport {
  const runs = old.runs?.length ? [...old.runs] : [legacyRun(old)];
  const results: BenchReport['results'] = {};
  for (const [system, metrics] of Object.entries(old.results)) {
    for (const [metric, fig] of Object.entries(metrics)) (results[system] ??= {})[metric] = { ...fig, run: fig.run ?? runs[0]!.id };
  }
  const details: Record<string, unknown> = {};
  const measured = new Set<string>();
  for (const [system, metrics] of Object.entries(fresh.results)) {
    for (const [metric, fig] of Object.entries(metrics)) {
      (results[system] ??= {})[metric] = fig;
      measured.add(`${system}/${metric}`);
    }
  }
  // Details are keyed system/scenario-or-metric/rep (a system's name may hold a slash).
  const rerun = (system: string, what: string) =>
    attempted.some(([s, scenario]) => s === system && (what === scenario || (scenario === 'scaling' && what.startsWith('scaling-'))));
  for (const [key, value] of Object.entries(old.details ?? {})) {
    const parts = key.split('/');
    if (!rerun(parts.slice(0, -2).join('/'), parts.at(-2) ?? '')) details[key] = value;
  }
  Object.assign(details, fresh.details);
  const probed = attempted.some(([s]) => s.startsWith('pg-boss'));
  const errors = old.errors.filter(
    (e) => !attempted.some(([s, scenario]) => e.startsWith(`${s} · ${scenario}`)) && !(probed && e.startsWith('probe:')),
  );
  errors.push(...fresh.errors);
  const systems = { ...old.systems, ...fresh.systems };
  // A scenario's parameters (its N in the page's text) follow the fresh run only when every figure
  // of that scenario now comes from it; otherwise the older run's stay, and the n column tells.
  const params = { ...old.params };
  const freshId = fresh.runs![0]!.id;
  for (const scenario of new Set(attempted.map(([, sc]) => sc))) {
    const figs = Object.values(results).flatMap((m) => Object.values(m).filter((f) => f.scenario === scenario));
    if (!old.params[scenario] || figs.every((f) => f.run === freshId)) params[scenario] = fresh.params[scenario];
  }
  const used = new Set(Object.values(results).flatMap((m) => Object.values(m).map((f) => f.run)));
  return {
    ...fresh,
    params,
    systems,
    results,
    ...derive(results),
    details,
    runs: [...runs, ...fresh.runs!].filter((r) => used.has(r.id)),
    errors,
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--report')) {
    // Re-renders docs/benchmarks.md and the charts from the committed latest.json, measuring nothing.
    const report = JSON.parse(await readFile(LATEST, 'utf8')) as BenchReport;
    await writeReport(report, { write: true });
    console.log('bench: rendered docs/benchmarks.md from bench/results/latest.json');
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const params = structuredClone(PARAMS[mode]);
  if (args.n !== undefined) {
    params['burn-down'].n = args.n;
    params['burn-down-analyzed'].n = args.n;
    params.scaling.n = args.n;
  }
  if (args.soakMinutes !== undefined) {
    params.soak = soakParams('soak', args.soakMinutes);
    params['soak-5ms'] = soakParams('soak-5ms', args.soakMinutes);
  }
  const startedAt = new Date().toISOString();
  const started = Date.now();
  const log = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
  const systemsOf = (scenario: ScenarioName): SystemName[] => {
    if (args.onlyGiven) return args.only;
    if (scenario === 'memory') return MEMORY_SYSTEMS;
    if (scenario === 'scaling') return SCALING_SYSTEMS[mode];
    if (SOAK_SCENARIOS.includes(scenario)) return SOAK_SYSTEMS[mode];
    return args.only;
  };
  const used = [...new Set(args.scenarios.flatMap(systemsOf))];

  log(`bench (${mode}${args.merge ? ', merge' : ''}): systems ${args.only.join(', ')}; scenarios ${args.scenarios.join(', ')}; ${args.reps} repetition(s)`);
  const db = await startDatabase();
  log(`PostgreSQL ${db.version} (${Object.entries(db.settings).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const needsRedis = used.some((s) => (SYSTEMS[s] as { redis?: boolean }).redis);
  const { freePort } = await importEmbeddedPostgres();
  const redis = needsRedis ? await startRedis(freePort) : null;
  if (needsRedis) log(redis ? `Redis ${redis.version} at ${redis.url}` : 'Redis unavailable: BullMQ on Redis is skipped');

  const errors: string[] = [];
  const raw: Record<string, Record<string, { scenario: ScenarioName; unit: string; values: number[]; n: number[] }>> = {};
  const settings: Record<string, unknown> = {};
  const details: Record<string, unknown> = {};
  const attempted: Array<[string, ScenarioName]> = [];
  try {
    let probe: ProbeResult | undefined;
    if (used.some((s) => s.startsWith('pg-boss'))) {
      const scratch = await db.createDatabase();
      try {
        probe = await runChild({ kind: 'probe', databaseUrl: scratch.url }, 120_000);
        log(`probed nest-pg-jobs's pg-boss options: ${JSON.stringify(probe)}`);
      } catch (error) {
        errors.push(`probe: ${(error as Error).message}`);
        log(`probe failed: ${(error as Error).message}`);
      } finally {
        await scratch.drop();
      }
    }

    for (let rep = 1; rep <= args.reps; rep++) {
      for (const scenario of args.scenarios) {
        if ((scenario === 'memory' || SOAK_SCENARIOS.includes(scenario)) && rep > 1) continue;
        for (const system of systemsOf(scenario)) {
          const entry = SYSTEMS[system] as { redis?: boolean; label: string };
          if (entry.redis && !redis) continue;
          if (rep === 1) attempted.push([system, scenario]);
          // Scaling: one run per process count, each on a fresh database.
          const variants: ScenarioParams[] =
            scenario === 'scaling' ? SCALING_PROCESSES.map((processes) => ({ ...params.scaling, processes })) : [params[scenario]];
          for (const p of variants) {
            const database = await db.createDatabase();
            if (entry.redis) await redis!.flush();
            const what = p.processes ? `scaling ×${p.processes}` : scenario;
            const label = `${system} · ${what} · rep ${rep}/${args.reps}`;
            try {
              const result = await runChild(
                {
                  kind: 'run',
                  system,
                  scenario,
                  params: p,
                  databaseUrl: database.url,
                  ...(redis ? { redisUrl: redis.url } : {}),
                  ...(probe ? { probe } : {}),
                },
                p.budgetMs * 2 + 120_000,
                scenario === 'memory' ? ['--expose-gc'] : [],
              );
              settings[system] = result.settings;
              if (result.detail) details[`${system}/${p.processes ? `scaling-${p.processes}` : scenario}/${rep}`] = result.detail;
              const summary: string[] = [];
              for (const [metric, figure] of Object.entries(result.figures as Record<string, Figure>)) {
                const slot = ((raw[system] ??= {})[metric] ??= { scenario, unit: figure.unit, values: [], n: [] });
                slot.values.push(figure.value);
                slot.n.push(figure.n);
                summary.push(`${metric} ${round(figure.value, 3)} ${figure.unit} (n=${figure.n})`);
              }
              if (p.processes) summary.push(`jobs per process ${(result.detail.perProcess as number[]).join('/')}`);
              if (SOAK_SCENARIOS.includes(scenario)) summary.push(soakChecks(result.detail.verdict as SoakVerdict));
              log(`${label}: ${summary.join('; ')}`);
            } catch (error) {
              const message = `${label}: ${(error as Error).message.split('\n').slice(0, 3).join(' | ')}`;
              errors.push(message);
              log(`FAILED ${message}`);
            } finally {
              await database.drop().catch(() => undefined);
            }
          }
        }
      }
    }
  } finally {
    await redis?.stop();
    await db.stop();
  }

  const results: Record<string, Record<string, MetricResult>> = {};
  const measured: RunRecord['scenarios'] = {};
  for (const [system, metrics] of Object.entries(raw)) {
    for (const [metric, slot] of Object.entries(metrics)) {
      (results[system] ??= {})[metric] = {
        scenario: slot.scenario,
        value: round(median(slot.values)),
        unit: slot.unit,
        n: Math.min(...slot.n),
        repetitions: slot.values.map((v) => round(v)),
        min: round(Math.min(...slot.values)),
        max: round(Math.max(...slot.values)),
        run: startedAt,
      };
      const list = (measured[slot.scenario] ??= []);
      if (!list.includes(system)) list.push(system);
    }
  }

  const cpus = os.cpus();
  const machine = {
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuCount: cpus.length,
    cpus: cpus.map(({ model, speed }) => ({ model, speed })),
    memoryBytes: os.totalmem(),
    node: process.version,
    postgres: db.version,
    postgresSettings: db.settings,
    redis: redis?.version ?? null,
  };
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const durationSeconds = Math.round((Date.now() - started) / 1000);
  const finishedAt = new Date().toISOString();
  let report: BenchReport = {
    generatedAt: finishedAt,
    command,
    mode,
    durationSeconds,
    machine,
    params,
    repetitions: args.reps,
    systems: Object.fromEntries(
      Object.keys(results).map((s) => [s, { label: SYSTEMS[s as SystemName].label, settings: settings[s] }]),
    ),
    results,
    ...derive(results),
    details,
    runs: [
      { id: startedAt, finishedAt, command, mode, durationSeconds, repetitions: args.reps, scenarios: measured, machine: machineSummary(machine), errors: errors.length },
    ],
    errors,
  };
  const dir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  if (args.merge && existsSync(LATEST)) {
    report = merge(JSON.parse(await readFile(LATEST, 'utf8')) as BenchReport, report, attempted);
    log(`merged into ${LATEST}: ${report.runs!.length} run(s) behind its figures`);
  }
  // Quick runs (CI) go to an ignored file, so they never overwrite the committed full results.
  const jsonPath = args.quick ? join(dir, 'quick.tmp.json') : LATEST;
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${jsonPath}`);
  const markdown = await writeReport(report, { write: !args.quick });
  if (args.quick) console.log(`\n${markdown}`);
  else log('wrote docs/benchmarks.md and docs/benchmarks/*.svg');
  if (errors.length) {
    console.error(`bench: ${errors.length} run(s) failed:\n  ${errors.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
