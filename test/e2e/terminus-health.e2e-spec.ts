// nest-pg-jobs/terminus against a real PostgreSQL: Express apps with TerminusModule and a health
// controller, asked over HTTP. The first controller below is the README's "Health checks" example as
// it is there (only its imports differ: this file defines WelcomeEmail and imports the library from
// its sources).
import { randomUUID } from 'node:crypto';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  defineJob,
  JobHandler,
  JobsModule,
  JobsService,
  JobsStartError,
  type Job,
  type JobsModuleOptions,
} from '../../lib/index.js';
import { JobsHealthIndicator, type JobsHealthOptions } from '../../lib/terminus/index.js';
import { databaseUrl, gate, schemasDroppedAfterAll, sql, track, waitFor } from '../support/e2e.js';
import { freePort } from '../../scripts/embedded-postgres.js';

const WelcomeEmail = defineJob<{ userId: string }>('welcome-email', {
  retryLimit: 5, retryBackoff: true, expireInSeconds: 60, deadLetter: 'welcome-email.dead',
});

// ── README "Health checks": health.module.ts ──────────────────────────────────────────────────────

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly jobsHealth: JobsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.jobsHealth.isHealthy('jobs', {
          queues: [{ queue: WelcomeEmail, maxQueued: 100, maxOldestWaitingSeconds: 60, maxDeadLettered: 10 }],
        }),
    ]);
  }
}

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [JobsHealthIndicator],
})
export class HealthModule {}

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────────

@Injectable()
class EmailJobs {
  sent: string[] = [];

  @JobHandler(WelcomeEmail, { concurrency: 5 })
  async sendWelcome(job: Job<{ userId: string }>) {
    this.sent.push(job.data.userId);
  }
}

const SlowReport = defineJob<{ id: number }>('slow-report');

@Injectable()
class SlowJobs {
  readonly started = gate();
  readonly release = gate();

  @JobHandler(SlowReport)
  async report() {
    this.started.open();
    await this.release.promise;
  }
}

const HEALTH_OPTIONS = Symbol('health options');

/** A health controller with the options a test gives it. */
@Controller('health')
class ConfiguredHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly jobsHealth: JobsHealthIndicator,
    @Inject(HEALTH_OPTIONS) private readonly options: JobsHealthOptions,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.jobsHealth.isHealthy('jobs', this.options)]);
  }
}

@Module({})
class ConfiguredHealthModule {
  static with(options: JobsHealthOptions): DynamicModule {
    return {
      module: ConfiguredHealthModule,
      imports: [TerminusModule],
      controllers: [ConfiguredHealthController],
      providers: [JobsHealthIndicator, { provide: HEALTH_OPTIONS, useValue: options }],
    };
  }
}

@Module({})
class HealthTestAppModule {}

interface HealthResponse {
  status: number;
  body: { status: string; details: Record<string, any>; error: Record<string, any> };
}

/**
 * An Express app with JobsModule on `schema` and a health module (the README's, or one with
 * `health` options), listening on a free port; `getHealth()` is GET /health.
 */
async function healthApp(
  schema: string,
  { jobs = {}, providers = [EmailJobs], health }: { jobs?: Partial<JobsModuleOptions>; providers?: Provider[]; health?: JobsHealthOptions } = {},
) {
  const app = track(
    await NestFactory.create<INestApplication>(
      {
        module: HealthTestAppModule,
        imports: [
          JobsModule.forRoot({ connectionString: databaseUrl(), schema, logger: false, startAttempts: 1, ...jobs }),
          health ? ConfiguredHealthModule.with(health) : HealthModule,
        ],
        providers,
      },
      { logger: false, abortOnError: false },
    ),
  );
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const getHealth = async (): Promise<HealthResponse> => {
    const response = await fetch(`${url}/health`);
    return { status: response.status, body: (await response.json()) as HealthResponse['body'] };
  };
  return { app, getHealth };
}

describe('JobsHealthIndicator (nest-pg-jobs/terminus) on PostgreSQL', () => {
  const schema = schemasDroppedAfterAll();

  it('GET /health answers 200 with the jobs details while the module runs', async () => {
    const { app, getHealth } = await healthApp(schema('up'));
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details.jobs).toEqual({
      status: 'up',
      module: 'running',
      database: 'up',
      workers: 'running',
      queues: { 'welcome-email': { queued: 0, oldestWaitingSeconds: 0, deadLettered: 0 } },
      responseTime: expect.any(Number),
    });
    await app.close();
  });

  it("is healthy with workers: false and says workers: 'disabled'; 503 naming the queue once it is over maxQueued", async () => {
    const { app, getHealth } = await healthApp(schema('enqueue_only'), { jobs: { workers: false } });
    const before = await getHealth();
    expect(before.status).toBe(200);
    expect(before.body.details.jobs).toMatchObject({ status: 'up', workers: 'disabled', database: 'up' });

    // Due jobs that no worker takes: this instance only enqueues.
    const jobs = app.get(JobsService);
    await jobs.sendMany(WelcomeEmail, Array.from({ length: 101 }, (_, i) => ({ data: { userId: String(i) } })));
    const after = await getHealth();
    expect(after.status).toBe(503);
    expect(after.body.status).toBe('error');
    expect(after.body.error.jobs).toMatchObject({
      status: 'down',
      message: 'queue "welcome-email": 101 jobs waiting, over maxQueued 100',
      failed: ['queues'],
      module: 'running',
      database: 'up',
      workers: 'disabled',
      queues: { 'welcome-email': { queued: 101, deadLettered: 0 } },
    });
    await app.close();
  });

  it('measures the oldest due job from when it became due, leaving deferred jobs out', async () => {
    const s = schema('oldest');
    const { app, getHealth } = await healthApp(s, {
      jobs: { workers: false },
      health: { queues: [{ queue: WelcomeEmail, maxOldestWaitingSeconds: 120 }] },
    });
    const jobs = app.get(JobsService);
    const old = await jobs.send(WelcomeEmail, { userId: 'old' });
    await jobs.send(WelcomeEmail, { userId: 'now' });
    await jobs.send(WelcomeEmail, { userId: 'tomorrow' }, { startAfter: 86_400 });
    // Backdate one job: created 10 minutes ago, due (its delay over) 5 minutes ago.
    const { table } = (await jobs.getQueue(WelcomeEmail))!;
    await sql(
      `UPDATE "${s}"."${table}" SET created_on = now() - interval '10 minutes', start_after = now() - interval '5 minutes' WHERE id = $1`,
      [old],
    );
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body.error.jobs.message).toMatch(/^queue "welcome-email": oldest due job waiting 30[01] s, over maxOldestWaitingSeconds 120$/);
    expect(body.error.jobs.queues['welcome-email'].queued).toBe(3);
    await app.close();
  });

  it('answers 503 within timeoutMs when every connection of the pool is busy, and 200 once one frees up', async () => {
    const s = schema('busy_pool');
    const { app, getHealth } = await healthApp(s, {
      // One connection in pg-boss's pool, and no worker polling on it.
      jobs: { connectionString: undefined, connection: { connectionString: databaseUrl(), max: 1 }, workers: false },
      health: { timeoutMs: 300 },
    });
    const lockKey = Math.floor(Math.random() * 1e9);
    const holder = await sqlSession();
    await holder.query('SELECT pg_advisory_lock($1)', [lockKey]);
    // The pool's only connection now waits for the lock this test holds.
    const blocked = app.get(JobsService).boss.getDb().executeSql('SELECT pg_advisory_lock($1)', [lockKey]);
    await waitFor(
      async () =>
        (await holder.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'SELECT pg_advisory_lock%' AND pid <> pg_backend_pid()`,
        )).rowCount,
      { message: "the pool's connection waiting for the advisory lock" },
    );
    const started = performance.now();
    const { status, body } = await getHealth();
    const tookMs = performance.now() - started;
    expect(status).toBe(503);
    expect(body.error.jobs).toMatchObject({
      status: 'down',
      message: 'the database did not answer "SELECT 1" within 300 ms',
      failed: ['database'],
      database: 'down',
    });
    expect(tookMs).toBeGreaterThanOrEqual(290);
    expect(tookMs).toBeLessThan(3_000);

    await holder.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    await blocked;
    await app.get(JobsService).boss.getDb().executeSql('SELECT pg_advisory_unlock($1)', [lockKey]);
    await holder.end();
    const recovered = await waitFor(async () => ((await getHealth()).status === 200 ? true : undefined), {
      message: 'GET /health answering 200 again',
    });
    expect(recovered).toBe(true);
    await app.close();
  });

  it('answers 503 with the database error while the database refuses connections, and 200 once it is back', async () => {
    const database = `wt_health_gone_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    await sql(`CREATE DATABASE "${database}"`);
    try {
      const url = new URL(databaseUrl());
      url.pathname = `/${database}`;
      const { app, getHealth } = await healthApp('pgboss', { jobs: { connectionString: url.toString(), workers: false } });
      expect((await getHealth()).status).toBe(200);

      await sql(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
      const down = await waitFor(
        async () => {
          const response = await getHealth();
          return response.status === 503 && /not currently accepting connections/.test(response.body.error.jobs?.message)
            ? response
            : undefined;
        },
        { message: 'GET /health reporting the refused connection' },
      );
      expect(down.body.error.jobs).toMatchObject({ status: 'down', database: 'down', failed: ['database'] });
      expect(down.body.error.jobs.message).toMatch(/^the database did not answer "SELECT 1": /);

      await sql(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      await waitFor(async () => (await getHealth()).status === 200, { message: 'GET /health answering 200 again' });
      await app.close();
    } finally {
      await sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    }
  });

  it('answers 503 while the app drains its running jobs at shutdown, and reports the module shut down after', async () => {
    const { app, getHealth } = await healthApp(schema('draining'), {
      providers: [SlowJobs],
      jobs: { shutdownTimeoutMs: 20_000 },
      health: {},
    });
    const slow = app.get(SlowJobs);
    const indicator = app.get(JobsHealthIndicator, { strict: false });
    expect((await getHealth()).status).toBe(200);
    await app.get(JobsService).send(SlowReport, { id: 1 });
    await slow.started.promise;

    const closing = app.close();
    const draining = await waitFor(
      async () => {
        const response = await getHealth();
        return response.status === 503 ? response : undefined;
      },
      { message: 'GET /health answering 503 during shutdown' },
    );
    expect(draining.body.error.jobs).toMatchObject({
      status: 'down',
      workers: 'stopped',
      failed: ['workers'],
      module: 'running',
      database: 'up',
    });
    expect(draining.body.error.jobs.message).toMatch(/workers are stopped/);
    slow.release.open();
    await closing;

    const after = (await indicator.isHealthy('jobs')).jobs;
    expect(after).toMatchObject({ status: 'down', module: 'shut-down', failed: ['module'] });
  });

  it('reports a module that has not started, then the start error of one that failed', async () => {
    const unreachable = `postgres://postgres:postgres@127.0.0.1:${await freePort()}/none`;
    const app = track(
      await NestFactory.create<INestApplication>(
        {
          module: HealthTestAppModule,
          imports: [JobsModule.forRoot({ connectionString: unreachable, logger: false, startAttempts: 1 }), HealthModule],
        },
        { logger: false, abortOnError: false },
      ),
    );
    const indicator = app.get(JobsHealthIndicator, { strict: false });
    expect((await indicator.isHealthy('jobs')).jobs).toMatchObject({ status: 'down', module: 'created', failed: ['module'] });
    await expect(app.init()).rejects.toBeInstanceOf(JobsStartError);
    expect((await indicator.isHealthy('jobs')).jobs).toMatchObject({
      status: 'down',
      module: 'failed',
      failed: ['module'],
      message: expect.stringMatching(/^JobsModule failed to start: .*ECONNREFUSED/),
    });
    await app.close();
  });
});

/** A connection of the test's own, for holding a lock across statements. */
async function sqlSession(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  return client;
}
