import { setTimeout as delay } from 'node:timers/promises';
import { TICK_QUEUE } from './jobs.js';
import { ChaosCluster, LISTENERS_PER_WORKER, rateBetween, recoverySeconds, waitFor, within, type JobCounts, type WorkerProcess } from './cluster.js';

/** `full`: what the issue asks (npm run chaos); `quick`: shorter windows; `test`: the npm test sizes. */
export type Profile = 'full' | 'quick' | 'test';

export const SCENARIO_IDS = ['kill', 'kill-loop', 'pg-restart', 'terminate', 'lock', 'db-late', 'rolling', 'cron'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface ScenarioResult extends Partial<JobCounts> {
  id: ScenarioId;
  number: number;
  title: string;
  profile: Profile;
  /** Seconds from the fault until throughput was back at >= 50% of the pre-fault rate (worst fault). */
  recoverySeconds: number | null;
  durationSeconds: number;
  /** Median ms from send to first run just before the (first) fault, and in the last 3 s of load. */
  latencyBeforeMs?: number | null;
  latencyAfterMs?: number | null;
  /** Seconds from the fault until every worker held its LISTEN again (scenarios 3 and 4). */
  listenBackSeconds?: number | null;
  /** Sends that failed (database down, connection killed) and were retried by the producer. */
  sendFailures?: number;
  notes: string;
  passed: boolean;
  error?: string;
  logPath?: string;
}

interface Params {
  rate: number;
  preMs: number;
  postMs: number;
  killLoopMs: number;
  killEveryMs: number;
  stormMs: number;
  lockMs: number;
  dbDownMs: number;
  /** How long PostgreSQL stays down in scenario 3, between its shutdown and its start. */
  restartDownMs: number;
  cronMinutes: number;
}

const PARAMS: Record<Profile, Params> = {
  full: { rate: 200, preMs: 6_000, postMs: 10_000, killLoopMs: 60_000, killEveryMs: 5_000, stormMs: 10_000, lockMs: 20_000, dbDownMs: 20_000, restartDownMs: 5_000, cronMinutes: 10 },
  quick: { rate: 150, preMs: 5_000, postMs: 8_000, killLoopMs: 20_000, killEveryMs: 4_000, stormMs: 5_000, lockMs: 10_000, dbDownMs: 20_000, restartDownMs: 5_000, cronMinutes: 3 },
  test: { rate: 100, preMs: 4_000, postMs: 5_000, killLoopMs: 12_000, killEveryMs: 4_000, stormMs: 4_000, lockMs: 6_000, dbDownMs: 10_000, restartDownMs: 2_000, cronMinutes: 2 },
};

const TITLES: Record<ScenarioId, string> = {
  kill: 'SIGKILL one worker mid-load',
  'kill-loop': 'SIGKILL a worker every few seconds',
  'pg-restart': 'restart PostgreSQL mid-load',
  terminate: 'pg_terminate_backend storm on the app',
  lock: 'long transaction locking job rows',
  'db-late': 'database unreachable at start',
  rolling: 'graceful SIGTERM rolling restart',
  cron: '@Recurring every minute, 3 instances',
};

/**
 * Worker environment per scenario. Scenario 1 runs handlers that only record (about 1 ms): the
 * quicker the handler, the more jobs a slot fetches at once, and the more a kill mid-batch re-runs.
 * Scenario 7 runs 10 ms handlers and every 100th job takes 1 s, so a SIGTERM finds jobs in flight
 * that the drain must finish.
 */
const WORKER_ENV: Partial<Record<ScenarioId, Record<string, string>>> = {
  kill: { CHAOS_WORK_MS: '0' },
  rolling: { CHAOS_WORK_MS: '10', CHAOS_SLOW_EVERY: '100', CHAOS_SLOW_MS: '1000' },
};

/** Generous: a job held by a killed worker comes back after expireInSeconds (10 s) + a 2 s pass. */
const DRAIN_TIMEOUT_MS = 180_000;
const READY_TIMEOUT_MS = 120_000;

interface Fault {
  at: number;
  effective: number;
}

interface LoadRun {
  cluster: ChaosCluster;
  params: Params;
  faults: Fault[];
  notes: string[];
  extraChecks: Array<() => Promise<string | undefined>>;
  listenBack?: Promise<number | null>;
}

export async function runScenario(id: ScenarioId, profile: Profile, onProgress: (line: string) => void = () => undefined): Promise<ScenarioResult> {
  const started = Date.now();
  const number = SCENARIO_IDS.indexOf(id) + 1;
  const base = { id, number, title: TITLES[id], profile };
  const cluster = await ChaosCluster.create(id);
  onProgress(`scenario ${number} (${id}): log ${cluster.logPath}`);
  try {
    const result = id === 'cron' ? await cronScenario(cluster, PARAMS[profile]) : await loadScenario(id, cluster, PARAMS[profile], onProgress);
    return { ...base, ...result, durationSeconds: Math.round((Date.now() - started) / 1000), logPath: cluster.logPath };
  } catch (error) {
    cluster.note(`scenario failed: ${(error as Error).stack ?? String(error)}`);
    return {
      ...base,
      recoverySeconds: null,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      notes: '',
      passed: false,
      error: (error as Error).message,
      logPath: cluster.logPath,
    };
  } finally {
    await cluster.close();
  }
}

type Outcome = Omit<ScenarioResult, 'id' | 'number' | 'title' | 'profile' | 'durationSeconds'>;

async function startWorkers(cluster: ChaosCluster, n: number, env: Record<string, string> = {}): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: n }, () => cluster.spawnWorker(env));
  await within(Promise.all(workers.map((w) => w.ready)), READY_TIMEOUT_MS, 'workers did not become ready');
  return workers;
}

async function loadScenario(id: ScenarioId, cluster: ChaosCluster, params: Params, progress: (line: string) => void): Promise<Outcome> {
  const run: LoadRun = { cluster, params, faults: [], notes: [], extraChecks: [] };
  if (id === 'db-late') {
    // The server exists (initialised) but is down: the port refuses while the workers start.
    const workers = Array.from({ length: 2 }, () => cluster.spawnWorker());
    await delay(params.dbDownMs);
    await cluster.server.start();
    const effective = Date.now();
    cluster.note('database started');
    await cluster.prepare();
    await within(Promise.all(workers.map((w) => w.ready)), READY_TIMEOUT_MS, 'workers did not start once the database was up');
    const readyAfter = (Date.now() - effective) / 1000;
    const producer = await cluster.startProducer();
    producer.run(params.rate);
    run.faults.push({ at: effective, effective });
    run.notes.push(`database down for the first ${params.dbDownMs / 1000} s; workers ready ${readyAfter.toFixed(1)} s after it came up (default startAttempts, 10: waits of 1, 2, 4, then 8 s)`);
    await delay(params.postMs);
  } else {
    await cluster.server.start();
    await cluster.prepare();
    await startWorkers(cluster, 2, WORKER_ENV[id] ?? {});
    const producer = await cluster.startProducer();
    producer.run(params.rate);
    await delay(params.preMs);
    progress(`  injecting ${id}`);
    await inject(id, run);
    await delay(params.postMs);
  }
  const producer = cluster.producer!;
  const loadEnd = Date.now();
  await producer.stop();
  cluster.note(`producer stopped: ${producer.sent.size} sent, ${producer.sendFailures} failed sends retried`);
  await cluster.drain(DRAIN_TIMEOUT_MS);
  await cluster.logTimeline();
  const counts = await cluster.count(producer.sent);
  const times = await cluster.executionTimes();
  const recoveries = run.faults.map((fault) => {
    const baseline = id === 'db-late' ? params.rate : rateBetween(times, fault.at - 3_000, fault.at);
    return recoverySeconds(times, fault, baseline);
  });
  const recovery = recoveries.includes(null) ? null : Math.max(0, ...(recoveries as number[]));
  const firstFault = run.faults[0]?.at ?? loadEnd;
  const before = id === 'db-late' ? null : await cluster.medianLatencyMs(firstFault - 3_000, firstFault);
  const after = await cluster.medianLatencyMs(loadEnd - 3_000, loadEnd);
  const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(0)} ms`);
  run.notes.push(id === 'db-late' ? `median send→start ${ms(after)} at the end` : `median send→start ${ms(before)} before the fault, ${ms(after)} at the end`);
  const problems: string[] = [];
  for (const check of run.extraChecks) {
    const problem = await check();
    if (problem) problems.push(problem);
  }
  if (counts.lost > 0) problems.push(`${counts.lost} job(s) lost, e.g. ${counts.lostIds.slice(0, 3).join(', ')}`);
  if (recovery === null) problems.push('throughput never came back to half its pre-fault rate');
  if (counts.sent === 0) problems.push('no job was sent');
  return {
    ...counts,
    sendFailures: producer.sendFailures,
    ...(run.listenBack ? { listenBackSeconds: await run.listenBack } : {}),
    latencyBeforeMs: before,
    latencyAfterMs: after,
    recoverySeconds: recovery,
    notes: [`${params.rate} jobs/s, 2 workers × concurrency 4`, ...run.notes, `${counts.retried} job(s) ran again on a later attempt`].join('; '),
    passed: problems.length === 0,
    ...(problems.length ? { error: problems.join('; ') } : {}),
  };
}

function alive(cluster: ChaosCluster): WorkerProcess[] {
  return cluster.workers.filter((w) => w.alive);
}

async function inject(id: ScenarioId, run: LoadRun): Promise<void> {
  const { cluster, params, faults, notes } = run;
  switch (id) {
    case 'kill': {
      // A backlog first, so the workers run adaptive batches (several jobs per fetch, completed in
      // one statement): the kill lands mid-batch, the worst case for re-runs.
      const ran = async () => (await cluster.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM chaos_executions')).rows[0]!.n;
      const before = await ran();
      await cluster.producer!.burst(params.rate * 10);
      await waitFor(async () => (await ran()) > before + 200, {
        timeoutMs: 30_000,
        intervalMs: 20,
        message: 'the backlog to start running',
      });
      const [victim] = alive(cluster);
      const at = Date.now();
      await victim!.kill('SIGKILL');
      faults.push({ at, effective: Date.now() });
      cluster.note(`SIGKILLed ${victim!.label}`);
      // An orchestrator restarts the process; the others' throughput is what is measured.
      await within(cluster.spawnWorker(WORKER_ENV.kill).ready, READY_TIMEOUT_MS, 'replacement worker did not start');
      notes.push(`handlers only record (no extra work); one of 2 workers SIGKILLed while burning a backlog of ${params.rate * 10} jobs, replaced at once`);
      return;
    }
    case 'kill-loop': {
      const end = Date.now() + params.killLoopMs;
      let kills = 0;
      while (Date.now() < end) {
        const workers = alive(cluster);
        const victim = workers[kills % workers.length]!;
        const at = Date.now();
        await victim.kill('SIGKILL');
        faults.push({ at, effective: Date.now() });
        kills++;
        cluster.note(`SIGKILLed ${victim.label}`);
        cluster.spawnWorker();
        await delay(params.killEveryMs);
      }
      await within(Promise.all(alive(cluster).map((w) => w.ready)), READY_TIMEOUT_MS, 'replacement workers did not start');
      notes.push(`${kills} SIGKILLs over ${params.killLoopMs / 1000} s, one every ${params.killEveryMs / 1000} s, each replaced at once`);
      return;
    }
    case 'pg-restart': {
      const at = Date.now();
      await cluster.server.stop();
      const effective = Date.now();
      // Down for a while, as a restart with a slow recovery or a failover is: the pool's reconnects
      // and the LISTEN connection's backoff have to find the server again.
      await delay(params.restartDownMs);
      await cluster.server.start();
      const down = ((Date.now() - at) / 1000).toFixed(1);
      cluster.note(`PostgreSQL restarted (${down} s from shutdown to accepting connections)`);
      faults.push({ at, effective });
      watchListeners(run, at, 'the restart began');
      notes.push(`fast shutdown, ${params.restartDownMs / 1000} s down, start on the same port and data directory (${down} s from shutdown to accepting connections)`);
      run.extraChecks.push(() => checkWorkersAlive(cluster));
      return;
    }
    case 'terminate': {
      const at = Date.now();
      const end = at + params.stormMs;
      let terminated = 0;
      while (Date.now() < end) {
        terminated += await cluster.terminateAppConnections();
        await delay(250);
      }
      watchListeners(run, Date.now(), 'the storm ended');
      faults.push({ at, effective: at });
      cluster.note(`storm over: ${terminated} backends terminated`);
      notes.push(`${terminated} app connections terminated over ${params.stormMs / 1000} s (every 250 ms)`);
      run.extraChecks.push(() => checkWorkersAlive(cluster));
      return;
    }
    case 'lock': {
      const locked = await cluster.producer!.sendNow(50, { startAfter: 1 });
      const client = await cluster.admin.connect();
      let releasedAt = '';
      const at = Date.now();
      try {
        await client.query('BEGIN');
        const { rowCount } = await client.query(`SELECT id FROM pgboss.job WHERE id = ANY($1::uuid[]) AND state = 'created' FOR UPDATE`, [locked]);
        cluster.note(`locked ${rowCount} job rows`);
        if (rowCount !== locked.length) throw new Error(`locked ${rowCount} of ${locked.length} rows: some ran before the lock`);
        faults.push({ at, effective: Date.now() });
        await delay(params.lockMs);
        releasedAt = (await client.query<{ now: string }>('SELECT clock_timestamp()::text AS now')).rows[0]!.now;
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      notes.push(`50 jobs locked FOR UPDATE for ${params.lockMs / 1000} s`);
      run.extraChecks.push(async () => {
        const { rows } = await cluster.admin.query<{ early: number; ran: number; after: number }>(
          `SELECT count(*) FILTER (WHERE at < $2::timestamptz)::int AS early, count(DISTINCT job_id)::int AS ran,
                  coalesce(extract(epoch FROM min(at) - $2::timestamptz), 0)::float8 AS after
             FROM chaos_executions WHERE job_id = ANY($1::uuid[])`,
          [locked, releasedAt],
        );
        const { early, ran, after } = rows[0]!;
        notes.push(`${early} ran while locked, ${ran} of 50 ran after release (first ${after.toFixed(1)} s after)`);
        if (early > 0) return `${early} locked job(s) ran while their rows were locked`;
        if (ran !== locked.length) return `only ${ran} of ${locked.length} locked jobs ran after release`;
        return undefined;
      });
      return;
    }
    case 'rolling': {
      const drains: string[] = [];
      const inFlight: string[] = [];
      for (const victim of alive(cluster)) {
        const at = Date.now();
        await victim.kill('SIGTERM');
        drains.push(((Date.now() - at) / 1000).toFixed(1));
        inFlight.push(String(victim.inFlightAtSigterm ?? '?'));
        faults.push({ at, effective: at });
        cluster.note(`${victim.label} stopped gracefully`);
        await within(cluster.spawnWorker(WORKER_ENV.rolling).ready, READY_TIMEOUT_MS, 'replacement worker did not start');
      }
      notes.push(
        `handlers take 10 ms, every 100th 1 s; each worker SIGTERMed then replaced, one after the other, with ${inFlight.join(' and ')} jobs running at the SIGTERM; exits took ${drains.join(' s, ')} s`,
      );
      run.extraChecks.push(async () => {
        const { rows } = await cluster.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM chaos_executions WHERE attempt > 1');
        return rows[0]!.n > 0 ? `${rows[0]!.n} execution(s) on a retry: the drain failed jobs it should have finished` : undefined;
      });
      run.extraChecks.push(async () => {
        const exits = await Promise.all(cluster.workers.filter((w) => !w.alive).map((w) => w.exited));
        const bad = exits.filter((e) => e.signal !== 'SIGTERM' && e.code !== 0);
        return bad.length ? `${bad.length} worker(s) did not exit cleanly on SIGTERM: ${JSON.stringify(bad)}` : undefined;
      });
      return;
    }
    default:
      throw new Error(`chaos: no injection for ${id}`);
  }
}

/**
 * From `at`, polls until every live worker holds both its LISTENs again (pg-boss's and the module's
 * for pauses); a check fails the run if that never happens (workers would then only poll).
 */
function watchListeners(run: LoadRun, at: number, since: string): void {
  const { cluster } = run;
  const wanted = () => LISTENERS_PER_WORKER * alive(cluster).length;
  const back = waitFor(async () => (await cluster.listeningSessions().catch(() => 0)) >= wanted(), {
    timeoutMs: 90_000,
    intervalMs: 200,
    message: 'every worker to LISTEN again',
  }).then(
    () => (Date.now() - at) / 1000,
    () => null,
  );
  run.listenBack = back;
  run.extraChecks.push(async () => {
    const seconds = await back;
    run.notes.push(seconds === null ? 'LISTEN never re-established' : `both workers LISTEN again ${seconds.toFixed(1)} s after ${since}`);
    return seconds === null ? 'a worker never re-established LISTEN' : undefined;
  });
}

/** Faults must not kill the app: every worker that was not killed on purpose is still running. */
async function checkWorkersAlive(cluster: ChaosCluster): Promise<string | undefined> {
  const dead = cluster.workers.filter((w) => !w.alive);
  return dead.length ? `${dead.length} worker process(es) exited: ${dead.map((w) => w.label).join(', ')}` : undefined;
}

/**
 * Scenario 8: three instances, each with the same `@Recurring('* * * * *')`. pg-boss files each
 * occurrence under a one-minute slot (`__pgboss__send-it` jobs, singleton per slot) and forwards it
 * as one job of the tick queue. Every minute of the window must have exactly one slot, one tick
 * job, and that job must run exactly once.
 */
async function cronScenario(cluster: ChaosCluster, params: Params): Promise<Outcome> {
  await cluster.server.start();
  await cluster.prepare();
  await startWorkers(cluster, 3, { CHAOS_ROLE: 'cron' });
  const minute = 60_000;
  const first = Math.ceil((Date.now() + 1_000) / minute) * minute;
  const endSlot = first + params.cronMinutes * minute; // exclusive
  cluster.note(`cron window ${new Date(first).toISOString()} .. ${new Date(endSlot).toISOString()}`);
  await delay(endSlot - Date.now());
  const slotText = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);
  const expected = Array.from({ length: params.cronMinutes }, (_, i) => slotText(first + i * minute));
  // The last occurrence can be forwarded up to a cron pass (30 s) late, then run.
  const query = async () => {
    const slots = (
      await cluster.admin.query<{ slot: string; n: number }>(
        `SELECT data->>'slot' AS slot, count(*)::int AS n FROM pgboss.job
          WHERE name = '__pgboss__send-it' AND data->>'name' = $1 GROUP BY 1`,
        [TICK_QUEUE],
      )
    ).rows;
    const ticks = (
      await cluster.admin.query<{ id: string; created: number; state: string; runs: number }>(
        `SELECT j.id::text, (extract(epoch FROM j.created_on) * 1000)::float8 AS created, j.state::text,
                (SELECT count(*)::int FROM chaos_ticks t WHERE t.job_id = j.id) AS runs
           FROM pgboss.job j WHERE j.name = $1 ORDER BY j.created_on`,
        [TICK_QUEUE],
      )
    ).rows;
    return { slots, ticks };
  };
  const { slots, ticks } = await waitFor(
    async () => {
      const state = await query();
      const slotSet = new Set(state.slots.map((s) => s.slot));
      const done = expected.every((slot) => slotSet.has(slot)) && state.ticks.filter((t) => t.created >= first).every((t) => t.state === 'completed');
      return done && state.ticks.filter((t) => t.created >= first).length >= expected.length ? state : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, message: 'every tick of the window to fire and complete' },
  ).catch(async () => query());
  const inWindow = (slot: string) => expected.includes(slot);
  const windowSlots = slots.filter((s) => inWindow(s.slot));
  const missing = expected.filter((slot) => !slots.some((s) => s.slot === slot));
  const doubleSlots = windowSlots.filter((s) => s.n > 1);
  // Tick jobs created for the window's slots: from the first slot's start to (at most) 45 s after the last slot.
  const windowTicks = ticks.filter((t) => t.created >= first && t.created < endSlot + 45_000);
  const notRunOnce = windowTicks.filter((t) => t.runs !== 1);
  const lateness = windowTicks.map((t, i) => (t.created - (first + i * minute)) / 1000);
  const problems: string[] = [];
  if (missing.length) problems.push(`no tick for ${missing.join(', ')}`);
  if (doubleSlots.length) problems.push(`slots filed twice: ${doubleSlots.map((s) => s.slot).join(', ')}`);
  if (windowTicks.length !== expected.length) problems.push(`${windowTicks.length} tick jobs for ${expected.length} minutes`);
  if (notRunOnce.length) problems.push(`${notRunOnce.length} tick job(s) not run exactly once (${notRunOnce.map((t) => t.runs).join(', ')})`);
  const pids = new Set<number>(
    (await cluster.admin.query<{ pid: number }>('SELECT DISTINCT pid FROM chaos_ticks')).rows.map((r) => r.pid),
  );
  return {
    sent: expected.length,
    lost: missing.length + Math.max(0, expected.length - windowTicks.length),
    duplicated: doubleSlots.length + Math.max(0, windowTicks.length - expected.length) + windowTicks.filter((t) => t.runs > 1).length,
    extraExecutions: windowTicks.reduce((sum, t) => sum + Math.max(0, t.runs - 1), 0),
    executions: windowTicks.reduce((sum, t) => sum + t.runs, 0),
    deadLettered: 0,
    // No fault is injected: there is nothing to recover from.
    recoverySeconds: null,
    notes:
      `${params.cronMinutes} minutes, ${expected.length} ticks expected, ${windowTicks.length} fired, run by ${pids.size} of 3 instances; ` +
      `tick jobs created ${Math.min(...lateness).toFixed(0)}–${Math.max(...lateness).toFixed(0)} s after their minute`,
    passed: problems.length === 0,
    ...(problems.length ? { error: problems.join('; ') } : {}),
  };
}
