// One run of one scenario for one system, in a process of its own so that no system's pools,
// timers or heap carry over to the next. Started by run.ts with the task as JSON in argv[2];
// reports through IPC and exits. The scaling scenario's run is a coordinator: it forks 'worker'
// children (this same file, kind 'worker') through support/worker-pool.ts.
import pg from 'pg';
import { SCENARIOS, Tracker, type ScenarioName, type ScenarioParams } from './scenarios.js';
import { instrumentPgBoss, meterPgBossMaintenance } from './support/pg-boss-maintenance.js';
import type { FromWorker, ToWorker } from './support/worker-pool.js';
import { WorkerPool } from './support/worker-pool.js';
import { SYSTEMS, type SystemName } from './systems/index.js';
import { probeNestPgJobs } from './systems/nest-pg-jobs.system.js';
import type { ProbeResult } from './systems/system.interface.js';

/** Where a system runs: its database, Redis for BullMQ on Redis, the probed pg-boss options. */
interface SystemTarget {
  system: SystemName;
  databaseUrl: string;
  redisUrl?: string;
  probe?: ProbeResult;
}

/**
 * A worker process of the scaling scenario: creates the system (no `prepare`: the coordinator made
 * schema and jobs), reports ready, starts its workers on 'start', reports its handled count every
 * 20 ms, and on 'stop' closes the system, reports the final count and exits.
 */
export type WorkerTask = { kind: 'worker' } & SystemTarget;

export type ChildTask =
  | { kind: 'probe'; databaseUrl: string }
  | ({ kind: 'run'; scenario: ScenarioName; params: ScenarioParams } & SystemTarget)
  | WorkerTask;

function createSystem(task: SystemTarget, tracker: Tracker) {
  return SYSTEMS[task.system].create({
    databaseUrl: task.databaseUrl,
    ...(task.redisUrl ? { redisUrl: task.redisUrl } : {}),
    ...(task.probe ? { probe: task.probe } : {}),
    onJob: tracker.onJob,
  });
}

/** Rows built on pg-boss: the soak meters their supervise passes. */
const onPgBoss = (system: SystemName) =>
  system.startsWith('nest-pg-jobs') || system.startsWith('pg-boss') || system === '@wavezync/nestjs-pgboss';

async function run(task: Extract<ChildTask, { kind: 'run' }>): Promise<unknown> {
  const tracker = new Tracker(task.params.handlerMs ?? 0);
  if (onPgBoss(task.system)) instrumentPgBoss();
  const system = await createSystem(task, tracker);
  const target: SystemTarget = {
    system: task.system,
    databaseUrl: task.databaseUrl,
    ...(task.redisUrl ? { redisUrl: task.redisUrl } : {}),
    ...(task.probe ? { probe: task.probe } : {}),
  };
  let result;
  try {
    result = await SCENARIOS[task.scenario](system, tracker, task.params, {
      forkWorkers: (count) => WorkerPool.fork(count, { kind: 'worker', ...target }),
      analyze: () => analyzeDatabase(task.databaseUrl),
      ...(onPgBoss(task.system) ? { maintenance: () => meterPgBossMaintenance() } : {}),
    });
  } catch (error) {
    // The scenario's error is the one worth reporting, not a follow-up failure while closing.
    await system.close().catch(() => undefined);
    throw error;
  }
  await system.close();
  return { ...result, settings: system.settings };
}

async function analyzeDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

async function runWorker(task: WorkerTask): Promise<void> {
  const send = (message: FromWorker) =>
    new Promise<void>((resolve) => (process.connected ? process.send!(message, () => resolve()) : resolve()));
  // A coordinator that dies (or is killed at its timeout) takes its workers with it.
  process.once('disconnect', () => process.exit(1));
  const tracker = new Tracker();
  const system = await createSystem(task, tracker);
  let last = -1;
  const progress = setInterval(() => {
    if (tracker.started !== last) {
      last = tracker.started;
      void send({ type: 'progress', handled: last });
    }
  }, 20);
  process.on('message', (message: ToWorker) => {
    if (message.type === 'start') {
      system.startWorkers().catch(async (error: Error) => {
        await send({ type: 'error', error: error.stack ?? String(error) });
        process.exit(1);
      });
    } else if (message.type === 'stop') {
      clearInterval(progress);
      system
        .close()
        .catch(() => undefined)
        .then(() => send({ type: 'stopped', handled: tracker.started }))
        .then(() => process.exit(0));
    }
  });
  await send({ type: 'ready' });
}

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
if (task.kind === 'worker') {
  runWorker(task).catch((error: Error) => {
    process.send?.({ type: 'error', error: error.stack ?? String(error) } satisfies FromWorker, () => process.exit(1));
  });
} else {
  (task.kind === 'probe' ? probeNestPgJobs(task.databaseUrl) : run(task)).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
  );
}
