// One chaos worker process: a small Nest app using JobsModule from lib/, forked by the runner
// (chaos/cluster.ts). Its handlers record every execution (job id, attempt, pid) in the database;
// the runner counts lost and duplicated jobs from those rows. Configured by environment:
// CHAOS_DATABASE_URL, CHAOS_ROLE (`worker`: the chaos queue; `cron`: the @Recurring tick),
// CHAOS_WORK_MS (time a handler spends after recording, default 2), CHAOS_SLOW_EVERY/CHAOS_SLOW_MS.
import 'reflect-metadata';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Module, type LoggerService, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { JobHandler, JobsModule, Recurring, type Job } from '../lib/index.js';
import {
  CHAOS_BOSS_INTERVALS,
  ChaosJob,
  RECORDER_APPLICATION_NAME,
  TICK_QUEUE,
  WORKER_APPLICATION_NAME,
  type WorkerMessage,
} from './jobs.js';

const url = process.env.CHAOS_DATABASE_URL;
if (!url) throw new Error('chaos worker: CHAOS_DATABASE_URL is not set');
const role = process.env.CHAOS_ROLE ?? 'worker';
const workMs = Number(process.env.CHAOS_WORK_MS ?? 2);
/** Every CHAOS_SLOW_EVERY-th job (by seq) takes CHAOS_SLOW_MS instead: jobs a drain has to wait for. */
const slowEvery = Number(process.env.CHAOS_SLOW_EVERY ?? 0);
const slowMs = Number(process.env.CHAOS_SLOW_MS ?? 0);

const RECORDER = 'CHAOS_RECORDER';
/** Handler calls running now: reported at SIGTERM, so scenario 7 knows the drain had work to do. */
let inFlight = 0;

/** The handlers' own pool: what a real handler's side effects would go through. */
@Injectable()
class Recorder implements OnApplicationShutdown {
  readonly pool = new pg.Pool({ connectionString: url, application_name: RECORDER_APPLICATION_NAME, max: 4 });

  constructor() {
    // A restarted or unreachable server errors idle clients; without a listener that kills the process.
    this.pool.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Injectable()
class ChaosHandlers {
  constructor(@Inject(RECORDER) private readonly recorder: Recorder) {}

  @JobHandler(ChaosJob, { concurrency: 4 })
  async run(job: Job<{ seq: number }>): Promise<void> {
    inFlight++;
    try {
      await this.record(job);
    } finally {
      inFlight--;
    }
  }

  private async record(job: Job<{ seq: number }>): Promise<void> {
    await this.recorder.pool.query('INSERT INTO chaos_executions (job_id, seq, attempt, pid) VALUES ($1, $2, $3, $4)', [
      job.id,
      job.data.seq,
      job.attempt,
      process.pid,
    ]);
    const ms = slowEvery > 0 && job.data.seq % slowEvery === 0 ? slowMs : workMs;
    if (ms > 0) await delay(ms);
  }
}

@Injectable()
class TickHandlers {
  constructor(@Inject(RECORDER) private readonly recorder: Recorder) {}

  @Recurring(TICK_QUEUE, '* * * * *', { retryLimit: 5 })
  async tick(job: Job): Promise<void> {
    await this.recorder.pool.query('INSERT INTO chaos_ticks (job_id, pid) VALUES ($1, $2)', [job.id, process.pid]);
  }
}

/** Module logs go to stderr with the pid, which the runner writes to the scenario's log file. */
class StderrLogger implements LoggerService {
  private line(level: string, message: unknown, rest: unknown[]) {
    const context = rest.length ? ` [${String(rest[rest.length - 1])}]` : '';
    process.stderr.write(`${new Date().toISOString()} ${process.pid} ${level}${context} ${String(message)}\n`);
  }
  log(message: unknown, ...rest: unknown[]) { this.line('log', message, rest); }
  error(message: unknown, ...rest: unknown[]) { this.line('error', message, rest); }
  warn(message: unknown, ...rest: unknown[]) { this.line('warn', message, rest); }
}

@Module({
  imports: [
    JobsModule.forRoot({
      connection: { connectionString: url, application_name: WORKER_APPLICATION_NAME, max: 10, ...CHAOS_BOSS_INTERVALS },
      logger: new StderrLogger(),
      // Scenario 6 (the database down for 20 s at start) runs on the default startAttempts (10: waits
      // of 1, 2, 4, then 8 s each, about a minute).
      shutdownTimeoutMs: 10_000,
    }),
  ],
  providers: [
    { provide: RECORDER, useClass: Recorder },
    role === 'cron' ? TickHandlers : ChaosHandlers,
  ],
})
class ChaosWorkerModule {}

const send = (message: WorkerMessage) => process.send?.(message);
try {
  const app = await NestFactory.createApplicationContext(ChaosWorkerModule, { logger: new StderrLogger(), abortOnError: false });
  // SIGTERM drains in-flight jobs (scenario 7), as a deployed app would.
  app.enableShutdownHooks();
  // once: Nest re-raises the signal after closing, which must then end the process.
  process.once('SIGTERM', () => send({ type: 'sigterm', inFlight }));
  send({ type: 'ready', pid: process.pid });
} catch (error) {
  send({ type: 'failed', error: String((error as Error).stack ?? error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}

// The runner gone (crashed, or killed by a test timeout): do not outlive it.
process.on('disconnect', () => process.exit(1));
