import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { JobsModule, JobsService } from '../lib/index.js';
import {
  CHAOS_BOSS_INTERVALS,
  CHAOS_TABLES_SQL,
  ChaosJob,
  PRODUCER_APPLICATION_NAME,
  WORKER_APPLICATION_NAME,
  type WorkerMessage,
} from './jobs.js';
import { ChaosPostgres } from './postgres.js';
import { waitFor as pollUntil } from '../test/support/wait-for.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Under Jest (or `node --import register.mjs`) this file is TypeScript; `npm run chaos` compiles it. */
const FROM_SOURCES = fileURLToPath(import.meta.url).endsWith('.ts');

/** The repository root (the chaos code also runs compiled from node_modules/.cache/). */
export const REPO_ROOT: string = (() => {
  let dir = HERE;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'nest-pg-jobs') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('chaos: cannot find the nest-pg-jobs repository root');
    dir = parent;
  }
})();

export const LOG_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'nest-pg-jobs-chaos', 'logs');

/** Polls `probe` until it returns a truthy value (test/support/wait-for.ts), every 100 ms by default. */
export const waitFor = <T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; message: string },
): Promise<NonNullable<T>> => pollUntil(probe, { intervalMs: 100, ...options });

/** Rejects after `ms` with `message` unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`chaos: ${message} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One forked worker process (chaos/worker.ts). */
export class WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves when the app finished bootstrap; rejects if it failed or exited first. */
  readonly ready: Promise<void>;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAt: number | undefined;
  /** Handler calls running when SIGTERM arrived (scenario 7). */
  inFlightAtSigterm: number | undefined;

  constructor(env: Record<string, string>, log: WriteStream, readonly label: string) {
    const script = join(HERE, FROM_SOURCES ? 'worker.ts' : 'worker.js');
    const execArgv = FROM_SOURCES ? ['--import', pathToFileURL(join(HERE, 'support', 'register.mjs')).href] : [];
    this.child = fork(script, [], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => log.write(chunk.toString('utf8').replace(/^(?=.)/gm, `[${label}] `)));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitedAt = Date.now();
        log.write(`[${label}] exited (code ${code}, signal ${signal})\n`);
        resolve({ code, signal });
      }),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'sigterm') this.inFlightAtSigterm = message.inFlight;
        if (message.type === 'failed') reject(new Error(`${label} failed to start: ${message.error}`));
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`${label} exited before it was ready (code ${code}, signal ${signal})`)));
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitedAt === undefined;
  }

  /** Sends `signal` and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals, timeoutMs = 60_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await within(this.exited, timeoutMs, `${this.label} did not exit after ${signal}`);
  }
}

class StreamLogger implements LoggerService {
  constructor(private readonly stream: WriteStream, private readonly label: string) {}
  private line(level: string, message: unknown) {
    this.stream.write(`[${this.label}] ${new Date().toISOString()} ${level} ${String(message)}\n`);
  }
  log(message: unknown) { this.line('log', message); }
  error(message: unknown) { this.line('error', message); }
  warn(message: unknown) { this.line('warn', message); }
}

/**
 * The steady producer: an enqueue-only app (`workers: false`) in the runner's process sending
 * `rate` jobs a second. Each job gets its id up front, so a send that failed ambiguously (the
 * connection died after the INSERT committed) is retried with the same id and cannot create a
 * second job: pg-boss answers `null` for an id that exists. A send counts as sent once it resolved.
 */
export class Producer {
  /** seq → job id of every job whose send resolved. */
  readonly sent = new Map<number, string>();
  sendFailures = 0;
  private seq = 0;
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(private readonly app: INestApplicationContext, private readonly jobs: JobsService) {}

  static async start(url: string, log: WriteStream): Promise<Producer> {
    @Module({
      imports: [
        JobsModule.forRoot({
          connection: { connectionString: url, application_name: PRODUCER_APPLICATION_NAME, max: 10, ...CHAOS_BOSS_INTERVALS },
          workers: false,
          scheduler: false,
          queues: [ChaosJob],
          logger: new StreamLogger(log, 'producer'),
        }),
      ],
    })
    class ProducerModule {}
    const app = await NestFactory.createApplicationContext(ProducerModule, { logger: false, abortOnError: false });
    return new Producer(app, app.get(JobsService));
  }

  /** Starts sending `rate` jobs a second; a tick's share is skipped while 500 sends are pending. */
  run(rate: number): void {
    const tickMs = 20;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += (rate * tickMs) / 1000;
      while (owed >= 1) {
        owed -= 1;
        if (this.inFlight.size < 500) this.track(this.sendOne({}));
      }
    }, tickMs);
  }

  /** Sends `n` jobs now with extra options and resolves with their ids. */
  async sendNow(n: number, options: { startAfter?: number }): Promise<string[]> {
    const ids: string[] = [];
    await Promise.all(Array.from({ length: n }, () => this.track(this.sendOne(options, (id) => ids.push(id)))));
    return ids;
  }

  /** Inserts `n` jobs in one statement (a backlog the workers burn down in adaptive batches). */
  async burst(n: number): Promise<void> {
    const jobs = Array.from({ length: n }, () => ({ seq: ++this.seq, id: randomUUID() }));
    await this.jobs.sendMany(ChaosJob, jobs.map(({ seq, id }) => ({ data: { seq }, options: { id } })));
    for (const { seq, id } of jobs) this.sent.set(seq, id);
  }

  private track(promise: Promise<void>): Promise<void> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  private async sendOne(options: { startAfter?: number }, onSent?: (id: string) => void): Promise<void> {
    const seq = ++this.seq;
    const id = randomUUID();
    for (;;) {
      try {
        await this.jobs.send(ChaosJob, { seq }, { ...options, id });
        this.sent.set(seq, id);
        onSent?.(id);
        return;
      } catch {
        this.sendFailures++;
        if (this.stopping && this.giveUp) return;
        await delay(250);
      }
    }
  }

  private giveUp = false;

  /** Stops sending and waits for pending sends (they retry until the database answers). */
  async stop(timeoutMs = 120_000): Promise<void> {
    clearInterval(this.timer);
    this.stopping = true;
    try {
      await within(Promise.all(this.inFlight), timeoutMs, 'pending sends did not complete');
    } catch {
      this.giveUp = true;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.giveUp = true;
    this.stopping = true;
    await this.app.close();
  }
}

/** Counts over one scenario's database, after the drain. */
export interface JobCounts {
  sent: number;
  /** Sent jobs neither completed nor dead-lettered, plus completed jobs whose handler never recorded. */
  lost: number;
  lostIds: string[];
  /** Jobs whose handler ran (recorded) more than once. */
  duplicated: number;
  /** Executions beyond the first, over all jobs. */
  extraExecutions: number;
  deadLettered: number;
  executions: number;
  /** Jobs that ran on a second or later attempt (failed, expired or cut off first). */
  retried: number;
}

/**
 * LISTEN sessions of one worker process: pg-boss's (new jobs wake workers) and nest-pg-jobs' (a
 * queue paused or resumed reaches the workers at once).
 */
export const LISTENERS_PER_WORKER = 2;

/**
 * One scenario's world: its own PostgreSQL server, an admin pool, worker processes and the
 * producer, with a log file for everything they print.
 */
export class ChaosCluster {
  readonly admin: pg.Pool;
  readonly log: WriteStream;
  readonly logPath: string;
  readonly workers: WorkerProcess[] = [];
  producer: Producer | undefined;
  private workerCount = 0;

  private constructor(readonly server: ChaosPostgres, readonly name: string) {
    mkdirSync(LOG_DIR, { recursive: true });
    this.logPath = join(LOG_DIR, `${name}-${new Date().toISOString().replaceAll(':', '-')}.log`);
    this.log = createWriteStream(this.logPath);
    this.admin = new pg.Pool({ connectionString: server.url, application_name: 'chaos-admin', max: 3 });
    // Restarts terminate idle admin connections too.
    this.admin.on('error', () => undefined);
  }

  static async create(name: string): Promise<ChaosCluster> {
    return new ChaosCluster(await ChaosPostgres.create(), name);
  }

  note(line: string): void {
    this.log.write(`[runner] ${new Date().toISOString()} ${line}\n`);
  }

  /** Creates the recording tables (the server must be running). */
  async prepare(): Promise<void> {
    await this.admin.query(CHAOS_TABLES_SQL);
  }

  spawnWorker(env: Record<string, string> = {}): WorkerProcess {
    const label = `worker-${++this.workerCount}`;
    const worker = new WorkerProcess({ CHAOS_DATABASE_URL: this.server.url, ...env }, this.log, label);
    this.note(`spawned ${label} (pid ${worker.pid})`);
    this.workers.push(worker);
    return worker;
  }

  async startProducer(): Promise<Producer> {
    this.producer = await Producer.start(this.server.url, this.log);
    return this.producer;
  }

  /** pg_terminate_backend on every connection of the app (workers and producer); how many. */
  async terminateAppConnections(): Promise<number> {
    const { rows } = await this.admin.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = ANY($1) AND pid <> pg_backend_pid()`,
      [[WORKER_APPLICATION_NAME, PRODUCER_APPLICATION_NAME]],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Worker sessions holding a LISTEN: the listener's last statement is its `LISTEN` or its heartbeat
   * (`pg_listening_channels()`, every 10 s), and pg_stat_activity keeps the last one. A worker holds
   * two ({@link LISTENERS_PER_WORKER}): pg-boss's, and the module's for queue pauses, through the same
   * pg-boss code, so their heartbeats are the same statement and are counted together.
   */
  async listeningSessions(): Promise<number> {
    const { rows } = await this.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = $1 AND (query ILIKE 'LISTEN %' OR query ILIKE '%pg_listening_channels()%')`,
      [WORKER_APPLICATION_NAME],
    );
    return rows[0]?.n ?? 0;
  }

  /** Waits until no job of the chaos queue is queued, retrying or active. */
  async drain(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await this.admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
          [ChaosJob.name],
        );
        return rows[0]?.n === 0;
      },
      { timeoutMs, intervalMs: 250, message: 'the chaos queue to drain' },
    );
  }

  /** Execution times (ms since epoch, ascending) of every handler run. */
  async executionTimes(): Promise<number[]> {
    const { rows } = await this.admin.query<{ t: number }>(
      `SELECT (extract(epoch FROM at) * 1000)::float8 AS t FROM chaos_executions ORDER BY at`,
    );
    return rows.map((row) => row.t);
  }

  /**
   * Median ms from a job becoming available (`start_after`) to its first run, for first attempts run
   * in [from, to). LISTEN/NOTIFY keeps it at a few ms; a worker left polling shows ~half its
   * polling interval (500 ms), which is how a lost listener shows up.
   */
  async medianLatencyMs(from: number, to: number): Promise<number | null> {
    const { rows } = await this.admin.query<{ ms: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - j.start_after) * 1000)::float8 AS ms
         FROM chaos_executions e JOIN pgboss.job j ON j.id = e.job_id
        WHERE e.attempt = 1 AND e.at >= to_timestamp($1 / 1000.0) AND e.at < to_timestamp($2 / 1000.0)`,
      [from, to],
    );
    return rows[0]?.ms ?? null;
  }

  /** Writes a per-second timeline (runs, median send→start ms, pids) to the log, for diagnosis. */
  async logTimeline(): Promise<void> {
    const { rows } = await this.admin.query<{ second: string; runs: number; ms: number; pids: string }>(
      `SELECT to_char(date_trunc('second', e.at), 'HH24:MI:SS') AS second, count(*)::int AS runs,
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - j.start_after) * 1000))::int AS ms,
              string_agg(DISTINCT e.pid::text, ' ') AS pids
         FROM chaos_executions e LEFT JOIN pgboss.job j ON j.id = e.job_id GROUP BY 1 ORDER BY 1`,
    );
    this.note(`timeline (second, runs, median send→start ms, pids):\n${rows.map((r) => `  ${r.second} ${r.runs} ${r.ms} ${r.pids}`).join('\n')}`);
  }

  async count(sent: Map<number, string>): Promise<JobCounts> {
    const states = new Map(
      (await this.admin.query<{ id: string; state: string }>(`SELECT id::text, state::text FROM pgboss.job WHERE name = $1`, [ChaosJob.name])).rows.map(
        (row) => [row.id, row.state],
      ),
    );
    const dead = new Set(
      (await this.admin.query<{ seq: number }>(`SELECT (data->>'seq')::int AS seq FROM pgboss.job WHERE name = $1`, [ChaosJob.options?.deadLetter])).rows.map(
        (row) => row.seq,
      ),
    );
    const runs = new Map(
      (await this.admin.query<{ id: string; n: number }>(`SELECT job_id::text AS id, count(*)::int AS n FROM chaos_executions GROUP BY job_id`)).rows.map(
        (row) => [row.id, row.n],
      ),
    );
    const lostIds: string[] = [];
    let deadLettered = 0;
    for (const [seq, id] of sent) {
      if (dead.has(seq)) deadLettered++;
      else if (states.get(id) !== 'completed' || !runs.has(id)) lostIds.push(id);
    }
    let duplicated = 0;
    let extraExecutions = 0;
    let executions = 0;
    for (const n of runs.values()) {
      executions += n;
      if (n > 1) {
        duplicated++;
        extraExecutions += n - 1;
      }
    }
    const retried = (
      await this.admin.query<{ n: number }>(`SELECT count(DISTINCT job_id)::int AS n FROM chaos_executions WHERE attempt > 1`)
    ).rows[0]!.n;
    return { retried, sent: sent.size, lost: lostIds.length, lostIds: lostIds.slice(0, 20), duplicated, extraExecutions, deadLettered, executions };
  }

  /** Kills every process and removes the server and its data. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((worker) => worker.kill('SIGKILL', 10_000)));
    await this.producer?.close().catch(() => undefined);
    await this.admin.end().catch(() => undefined);
    await this.server.destroy();
    await new Promise((resolve) => this.log.end(resolve));
  }
}

/**
 * Seconds from `fault.at` until throughput is back: the start of the first one-second window,
 * sliding by 100 ms from `fault.effective` (when the fault had taken hold: the process gone, the
 * server down), in which handlers ran at least half `baseline` jobs a second. 0 when throughput
 * never dropped below that; null when it never came back.
 */
export function recoverySeconds(times: number[], fault: { at: number; effective: number }, baseline: number, until = Infinity): number | null {
  const countIn = (from: number, to: number) => lowerBound(times, to) - lowerBound(times, from);
  const last = Math.min(until, times.at(-1) ?? 0);
  for (let t = fault.effective; t <= last; t += 100) {
    if (countIn(t, t + 1000) >= baseline * 0.5) return Math.max(0, Math.round((t - fault.at) / 100) / 10);
  }
  return null;
}

/** Jobs a second in [from, to). */
export function rateBetween(times: number[], from: number, to: number): number {
  return (lowerBound(times, to) - lowerBound(times, from)) / ((to - from) / 1000);
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
