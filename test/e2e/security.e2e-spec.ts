// Security: no secret in any log line or error, and the module running under a least-privilege
// database role (docs/security.md shows the same SQL).
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Injectable, Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { getConstructionPlans } from 'pg-boss';
import {
  defineJob,
  getJobsConstructionPlans,
  JobHandler,
  JobsModule,
  JobsService,
  JobsStartError,
  Recurring,
  RECURRING_SCHEDULE_KEY,
  type Job,
  type JobsModuleOptions,
} from '../../lib/index.js';
import { freePort } from '../../scripts/embedded-postgres.js';
import { bootstrapError, databaseUrl, printedText, sql, track, waitFor } from '../support/e2e.js';

const PASSWORD = `Pw-${randomUUID().slice(0, 8)}-s3cret`;

/** Every line every logger method received, Nest's own included. */
function capturingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
  return { lines, log: push, error: push, warn: push, debug: push, verbose: push, fatal: push };
}

@Module({})
class Host {}

async function failedStart(jobs: JobsModuleOptions) {
  const logger = capturingLogger();
  const error = await bootstrapError(
    NestFactory.createApplicationContext(
      { module: Host, imports: [JobsModule.forRoot({ startAttempts: 2, ...jobs, logger })] } as DynamicModule,
      { logger, abortOnError: false },
    ),
  );
  // The error as anything could print it: message, stack, every cause, util.inspect.
  return { error, text: printedText(logger.lines, error), lines: logger.lines };
}

describe('secrets never reach logs or errors', () => {
  const { hostname, port } = new URL(databaseUrl());

  it.each([
    ['a wrong password', () => `postgres://postgres:${PASSWORD}@${hostname}:${port}/postgres`, /password authentication failed for user "postgres"/],
    ['an unreachable server', async () => `postgres://app:${PASSWORD}@127.0.0.1:${await freePort()}/app`, /ECONNREFUSED/],
    ['a role that does not exist', () => `postgres://nobody_${randomUUID().slice(0, 6)}:${PASSWORD}@${hostname}:${port}/postgres`, /password authentication failed|role .* does not exist/],
    ['a malformed URL', () => `postgres://app:${PASSWORD}@${hostname}:not-a-port/app`, /Invalid URL/],
  ])('with %s in a connection string', async (_label, url, cause) => {
    const connectionString = await url();
    const { error, text, lines } = await failedStart({ connectionString });
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(cause);
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    expect(text).not.toContain(connectionString);
  });

  it('with a wrong password in connection options', async () => {
    const { error, text } = await failedStart({
      connection: { host: hostname, port: Number(port), user: 'postgres', password: PASSWORD, database: 'postgres' },
    });
    expect(error).toBeInstanceOf(JobsStartError);
    expect(text).not.toContain(PASSWORD);
  });

  it('with an invalid module option next to the connection string', async () => {
    const connectionString = `postgres://app:${PASSWORD}@${hostname}:${port}/app`;
    const { error, text } = await failedStart({ connectionString, schema: 'a b' });
    expect(error.message).toMatch(/^Invalid JobsModule options: schema "a b"/);
    expect(text).not.toContain(PASSWORD);
  });
});

const Report = defineJob<{ n: number }>('report', { retryLimit: 1, deadLetter: 'report.dead' });
const Archive = defineJob<{ n: number }>('archive', { partition: true });
const Limited = defineJob<{ n: number }>('limited', { rateLimit: { max: 10, perSeconds: 1 } });

/** A rate-limited handler: its instance needs the rate-limit table. */
@Injectable()
class LimitedJobs {
  readonly done: number[] = [];

  @JobHandler(Limited)
  async limited(job: Job<{ n: number }>) {
    this.done.push(job.data.n);
  }
}

@Injectable()
class ReportJobs {
  readonly done: number[] = [];

  @JobHandler(Report)
  async report(job: Job<{ n: number }>) {
    this.done.push(job.data.n);
  }

  @Recurring('nightly-report', '0 3 * * *', { tz: 'Europe/Berlin' })
  async nightly() {}
}

@Injectable()
class ArchiveJobs {
  readonly done: number[] = [];

  @JobHandler(Archive)
  async archive(job: Job<{ n: number }>) {
    this.done.push(job.data.n);
  }
}

describe('least privilege: the app role owns the job schema and nothing else', () => {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 8);
  const database = `lp_${suffix}`;
  const owner = `lp_owner_${suffix}`;
  const dml = `lp_dml_${suffix}`;
  const admin = new URL(databaseUrl());
  const url = (user: string) => {
    const u = new URL(databaseUrl());
    u.username = user;
    u.password = PASSWORD;
    u.pathname = `/${database}`;
    return u.toString();
  };
  const adminUrl = (() => {
    admin.pathname = `/${database}`;
    return admin.toString();
  })();
  const asAdmin = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };
  const start = async (providers: unknown[], jobs: Partial<JobsModuleOptions>) => {
    const app = await NestFactory.createApplicationContext(
      {
        module: Host,
        imports: [JobsModule.forRoot({ logger: false, startAttempts: 1, shutdownTimeoutMs: 2_000, ...jobs })],
        providers,
      } as DynamicModule,
      { logger: false, abortOnError: false },
    );
    return track(app);
  };

  beforeAll(async () => {
    await sql(`CREATE DATABASE ${database}`);
    // The SQL of docs/security.md, as an administrator runs it once.
    await asAdmin(`
      CREATE ROLE ${owner} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
      CREATE ROLE ${dml} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
      REVOKE ALL ON DATABASE ${database} FROM PUBLIC;
      GRANT CONNECT ON DATABASE ${database} TO ${owner}, ${dml};
      REVOKE ALL ON SCHEMA public FROM PUBLIC;
      CREATE SCHEMA jobs AUTHORIZATION ${owner};
    `);
  });
  afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await sql(`DROP ROLE IF EXISTS ${owner}`);
    await sql(`DROP ROLE IF EXISTS ${dml}`);
  });

  it('bootstraps, creates queues (a partitioned one too), sends, processes and schedules as the schema owner', async () => {
    const app = await start([ReportJobs, ArchiveJobs], {
      // The schema exists already: pg-boss's CREATE SCHEMA IF NOT EXISTS would need CREATE on the database.
      connection: { connectionString: url(owner), createSchema: false },
      schema: 'jobs',
    });
    const jobs = app.get(JobsService);
    const [report, archive] = await Promise.all([jobs.send(Report, { n: 1 }), jobs.send(Archive, { n: 2 })]);
    await waitFor(async () => (await jobs.getJob(Report, report!))?.state === 'completed', { message: 'the report job' });
    await waitFor(async () => (await jobs.getJob(Archive, archive!))?.state === 'completed', { message: 'the archive job' });
    await jobs.schedule(Report, '*/5 * * * *', { n: 3 }, { key: 'every-5' });
    const schedules = await jobs.boss.getSchedules();
    expect(schedules.map((s) => `${s.name}:${s.key}`).sort()).toEqual([
      `nightly-report:${RECURRING_SCHEDULE_KEY}`,
      'report:every-5',
    ]);
    expect(await jobs.getQueueCounts(Report)).toMatchObject({ completed: 1, dead: 0 });
    await app.close();

    // And nothing outside its schema.
    const client = new pg.Client({ connectionString: url(owner) });
    await client.connect();
    try {
      await expect(client.query('CREATE TABLE public.x (id int)')).rejects.toThrow(/permission denied for schema public/);
      await expect(client.query('CREATE SCHEMA other')).rejects.toThrow(/permission denied for database/);
      const [{ rolsuper, rolcreatedb }] = (await client.query('SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user')).rows;
      expect([rolsuper, rolcreatedb]).toEqual([false, false]);
    } finally {
      await client.end();
    }
  });

  it('needs createSchema: false when the schema exists and the role may not create schemas', async () => {
    await asAdmin(`CREATE SCHEMA jobs_fresh AUTHORIZATION ${owner}`);
    const error = await start([ReportJobs], { connectionString: url(owner), schema: 'jobs_fresh' }).then(
      () => new Error('bootstrap should have failed'),
      (e: unknown) => e as Error,
    );
    // PostgreSQL checks CREATE on the database before it looks at IF NOT EXISTS.
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(/permission denied for database/);
  });

  it('runs with DML rights only once an administrator has installed pg-boss (migrate: false)', async () => {
    // What an administrator (or a migration pipeline) runs: pg-boss's own install script, then grants.
    await asAdmin(`CREATE SCHEMA jobs_dml`);
    await asAdmin(getConstructionPlans('jobs_dml', { createSchema: false }));
    await asAdmin(getJobsConstructionPlans('jobs_dml'));
    await asAdmin(`
      GRANT USAGE ON SCHEMA jobs_dml TO ${dml};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA jobs_dml TO ${dml};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA jobs_dml TO ${dml};
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA jobs_dml TO ${dml};
    `);
    const errors: string[] = [];
    const logger = { log() {}, warn() {}, error: (m: unknown) => void errors.push(String(m)) };
    const app = await start([ReportJobs], {
      connection: { connectionString: url(dml), migrate: false, reindex: false },
      schema: 'jobs_dml',
      logger,
    });
    const jobs = app.get(JobsService);
    const ids = await jobs.sendMany(Report, [{ data: { n: 10 } }, { data: { n: 11 } }]);
    await waitFor(async () => (await Promise.all(ids.map((id) => jobs.getJob(Report, id)))).every((j) => j?.state === 'completed'), {
      message: 'the jobs sent by the DML role',
    });
    await jobs.schedule(Report, '*/5 * * * *', { n: 3 }, { key: 'every-5' });
    await jobs.boss.supervise();
    await jobs.pauseQueue(Report);
    expect(await jobs.isQueuePaused(Report)).toBe(true);
    await jobs.resumeQueue(Report);
    expect(await jobs.getQueueCounts(Report)).toMatchObject({ completed: 2 });
    expect(errors).toEqual([]);
    await app.close();

    // DDL stays the administrator's: the role cannot create tables in the job schema.
    await expect(
      (async () => {
        const client = new pg.Client({ connectionString: url(dml) });
        await client.connect();
        try {
          await client.query('CREATE TABLE jobs_dml.x (id int)');
        } finally {
          await client.end();
        }
      })(),
    ).rejects.toThrow(/permission denied for schema jobs_dml/);
  });

  it('fails bootstrap with the SQL to run when a DML-only role would have to create the module tables', async () => {
    // pg-boss installed by an administrator, the module's table forgotten.
    await asAdmin(`CREATE SCHEMA jobs_nopause`);
    await asAdmin(getConstructionPlans('jobs_nopause', { createSchema: false }));
    await asAdmin(`
      GRANT USAGE ON SCHEMA jobs_nopause TO ${dml};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA jobs_nopause TO ${dml};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA jobs_nopause TO ${dml};
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA jobs_nopause TO ${dml};
    `);
    const error = await bootstrapError(
      start([ReportJobs], { connection: { connectionString: url(dml), reindex: false }, schema: 'jobs_nopause' }),
    );
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toBe(
      `The table "jobs_nopause"."nest_pg_jobs_queue_state", where JobsService.pauseQueue keeps paused queues, does not ` +
        `exist, and role "${dml}" may not create it: permission denied for schema jobs_nopause (SQLSTATE 42501). Have the ` +
        `schema's owner run the SQL of getJobsConstructionPlans('jobs_nopause') (exported by nest-pg-jobs) and GRANT ` +
        `SELECT, INSERT, DELETE ON "jobs_nopause"."nest_pg_jobs_queue_state" TO "${dml}", then start again.`,
    );

    // Created, but not granted: the grant is named.
    await asAdmin(getJobsConstructionPlans('jobs_nopause'));
    const ungranted = await bootstrapError(
      start([ReportJobs], { connection: { connectionString: url(dml), reindex: false }, schema: 'jobs_nopause' }),
    );
    expect(ungranted).toBeInstanceOf(JobsStartError);
    expect(ungranted.message).toMatch(/^Role "lp_dml_\w+" needs SELECT, INSERT and DELETE on "jobs_nopause"\."nest_pg_jobs_queue_state"/);

    // As the messages say, one table after the other (the progress table needs UPDATE too): then it starts.
    await asAdmin(`GRANT SELECT, INSERT, DELETE ON jobs_nopause.nest_pg_jobs_queue_state TO ${dml}`);
    const progressUngranted = await bootstrapError(
      start([ReportJobs], { connection: { connectionString: url(dml), reindex: false }, schema: 'jobs_nopause' }),
    );
    expect(progressUngranted.message).toBe(
      `Role "${dml}" needs SELECT, INSERT, UPDATE and DELETE on "jobs_nopause"."nest_pg_jobs_progress" (where ` +
        `job.updateProgress keeps the progress of jobs): GRANT SELECT, INSERT, UPDATE, DELETE ON ` +
        `"jobs_nopause"."nest_pg_jobs_progress" TO "${dml}", then start again.`,
    );
    await asAdmin(`GRANT SELECT, INSERT, UPDATE, DELETE ON jobs_nopause.nest_pg_jobs_progress TO ${dml}`);
    // The rate-limit table is not granted either, and this app limits nothing: it starts.
    const app = await start([ReportJobs], { connection: { connectionString: url(dml), reindex: false }, schema: 'jobs_nopause' });
    await app.get(JobsService).pauseQueue(Report);
    expect(await app.get(JobsService).isQueuePaused(Report)).toBe(true);
    await app.close();

    // An app with a rate-limited handler needs it, and is told which grant is missing.
    const limited = { connection: { connectionString: url(dml), reindex: false }, schema: 'jobs_nopause' };
    const rateUngranted = await bootstrapError(start([LimitedJobs], limited));
    expect(rateUngranted).toBeInstanceOf(JobsStartError);
    expect(rateUngranted.message).toBe(
      `Role "${dml}" needs SELECT, INSERT and UPDATE on "jobs_nopause"."nest_pg_jobs_rate_limit" (where workers of ` +
        `rate-limited queues (rateLimit) count job starts): GRANT SELECT, INSERT, UPDATE ON ` +
        `"jobs_nopause"."nest_pg_jobs_rate_limit" TO "${dml}", then start again.`,
    );
    await asAdmin(`GRANT SELECT, INSERT, UPDATE ON jobs_nopause.nest_pg_jobs_rate_limit TO ${dml}`);
    const limitedApp = await start([LimitedJobs], limited);
    const id = (await limitedApp.get(JobsService).send(Limited, { n: 1 }))!;
    await waitFor(async () => (await limitedApp.get(JobsService).getJob(Limited, id))?.state === 'completed', {
      message: 'the rate-limited job run by the DML role',
    });
    await limitedApp.close();
  });
});
