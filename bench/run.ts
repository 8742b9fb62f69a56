// `npm run bench`: every system, every scenario, side by side in one run on this machine.
// See docs/benchmarks.md for what each scenario measures; `--help` for the flags.
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildTask } from './child.js';
import { writeReport } from './report.js';
import type { Figure, ScenarioName, ScenarioParams } from './scenarios.js';
import { startDatabase, startRedis } from './services.js';
import { REPO_ROOT, importEmbeddedPostgres } from './support/paths.js';
import { median, round } from './support/stats.js';
import { OVERHEAD_PAIRS, SYSTEMS, SYSTEM_NAMES, type SystemName } from './systems/index.js';
import type { ProbeResult } from './systems/system.interface.js';

const SCENARIO_ORDER: ScenarioName[] = ['burn-down', 'latency', 'enqueue', 'memory'];

/**
 * Full mode: the issue's sizes, with wall-clock budgets that keep a full run near 25 minutes on a
 * 2-core machine: a system slower than the budget allows reports the jobs it did (n in the tables).
 * Quick mode: small N, one repetition, for CI (< 2 minutes).
 */
const PARAMS: Record<'full' | 'quick', Record<ScenarioName, ScenarioParams>> = {
  full: {
    'burn-down': { n: 100_000, budgetMs: 45_000 },
    latency: { n: 1_000, budgetMs: 30_000 },
    enqueue: { n: 0, single: 2_000, concurrent: 10_000, bulk: 50_000, budgetMs: 60_000 },
    memory: { n: 1_000_000, budgetMs: 240_000 },
  },
  quick: {
    'burn-down': { n: 2_000, budgetMs: 20_000 },
    latency: { n: 200, budgetMs: 6_000 },
    enqueue: { n: 0, single: 200, concurrent: 500, bulk: 2_000, budgetMs: 9_000 },
    memory: { n: 20_000, budgetMs: 20_000 },
  },
};
/** Memory runs once, for these systems unless --only names others. */
const MEMORY_SYSTEMS: SystemName[] = ['nest-pg-jobs'];

interface Args {
  quick: boolean;
  only: SystemName[];
  scenarios: ScenarioName[];
  reps: number;
  n?: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (argv.includes('--help')) {
    console.log(`npm run bench -- [--quick] [--only=system,...] [--scenario=${SCENARIO_ORDER.join(',')}] [--reps=N] [--n=N]
npm run bench -- --report   (re-render docs/benchmarks.md from bench/results/latest.json)
systems: ${SYSTEM_NAMES.join(', ')}`);
    process.exit(0);
  }
  const quick = argv.includes('--quick');
  const only = (get('only')?.split(',') ?? SYSTEM_NAMES) as SystemName[];
  for (const s of only) if (!(s in SYSTEMS)) throw new Error(`bench: unknown system "${s}" (${SYSTEM_NAMES.join(', ')})`);
  const scenarios = (get('scenario')?.split(',') ?? SCENARIO_ORDER) as ScenarioName[];
  for (const s of scenarios) if (!SCENARIO_ORDER.includes(s)) throw new Error(`bench: unknown scenario "${s}"`);
  const reps = Number(get('reps') ?? (quick ? 1 : 3));
  const n = get('n') !== undefined ? Number(get('n')) : undefined;
  return { quick, only, scenarios, reps, ...(n !== undefined ? { n } : {}) };
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
}

async function main(): Promise<void> {
  if (process.argv.includes('--report')) {
    // Re-renders docs/benchmarks.md and the charts from the committed latest.json, measuring nothing.
    const report = JSON.parse(await readFile(join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as BenchReport;
    await writeReport(report, { write: true });
    console.log('bench: rendered docs/benchmarks.md from bench/results/latest.json');
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const params = structuredClone(PARAMS[mode]);
  if (args.n !== undefined) params['burn-down'].n = args.n;
  const started = Date.now();
  const log = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

  log(`bench (${mode}): systems ${args.only.join(', ')}; scenarios ${args.scenarios.join(', ')}; ${args.reps} repetition(s)`);
  const db = await startDatabase();
  log(`PostgreSQL ${db.version} (${Object.entries(db.settings).map(([k, v]) => `${k}=${v}`).join(', ')})`);
  const needsRedis = args.only.some((s) => (SYSTEMS[s] as { redis?: boolean }).redis);
  const { freePort } = await importEmbeddedPostgres();
  const redis = needsRedis ? await startRedis(freePort) : null;
  if (needsRedis) log(redis ? `Redis ${redis.version} at ${redis.url}` : 'Redis unavailable: BullMQ on Redis is skipped');

  const errors: string[] = [];
  const raw: Record<string, Record<string, { scenario: ScenarioName; unit: string; values: number[]; n: number[] }>> = {};
  const settings: Record<string, unknown> = {};
  const details: Record<string, unknown> = {};
  try {
    let probe: ProbeResult | undefined;
    if (args.only.some((s) => s.startsWith('pg-boss'))) {
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
        if (scenario === 'memory' && rep > 1) continue;
        const systems = scenario === 'memory' && args.only === SYSTEM_NAMES ? MEMORY_SYSTEMS : args.only;
        for (const system of systems) {
          const entry = SYSTEMS[system] as { redis?: boolean; label: string };
          if (entry.redis && !redis) continue;
          const p = params[scenario];
          const database = await db.createDatabase();
          if (entry.redis) await redis!.flush();
          const label = `${system} · ${scenario} · rep ${rep}/${args.reps}`;
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
            if (result.detail) details[`${system}/${scenario}/${rep}`] = result.detail;
            const summary: string[] = [];
            for (const [metric, figure] of Object.entries(result.figures as Record<string, Figure>)) {
              const slot = ((raw[system] ??= {})[metric] ??= { scenario, unit: figure.unit, values: [], n: [] });
              slot.values.push(figure.value);
              slot.n.push(figure.n);
              summary.push(`${metric} ${round(figure.value, 3)} ${figure.unit} (n=${figure.n})`);
            }
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
  } finally {
    await redis?.stop();
    await db.stop();
  }

  const results: Record<string, Record<string, MetricResult>> = {};
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
      };
    }
  }
  // 4. Overhead: time per job of nest-pg-jobs over raw pg-boss with the same options (> 1 = slower).
  const overhead: Record<string, Record<string, number>> = {};
  for (const [nest, boss] of OVERHEAD_PAIRS) {
    const a = results[nest];
    const b = results[boss];
    if (!a || !b) continue;
    const pair: Record<string, number> = {};
    for (const [metric, fig] of Object.entries(a)) {
      const other = b[metric];
      if (!other || fig.scenario === 'memory') continue;
      pair[metric] = round(fig.unit === 'jobs/s' ? other.value / fig.value : fig.value / other.value, 3);
    }
    overhead[`${nest} / ${boss}`] = pair;
  }

  const cpus = os.cpus();
  const report = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    mode,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: {
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpuCount: cpus.length,
      cpus: cpus.map(({ model, speed }) => ({ model, speed })),
      memoryBytes: os.totalmem(),
      node: process.version,
      postgres: db.version,
      postgresSettings: db.settings,
      redis: redis?.version ?? null,
    },
    params,
    repetitions: args.reps,
    systems: Object.fromEntries(
      Object.keys(results).map((s) => [s, { label: SYSTEMS[s as SystemName].label, settings: settings[s] }]),
    ),
    results,
    overhead,
    details,
    errors,
  };
  const dir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  // Quick runs (CI) go to an ignored file, so they never overwrite the committed full results.
  const jsonPath = join(dir, args.quick ? 'quick.tmp.json' : 'latest.json');
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
  errors: string[];
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
