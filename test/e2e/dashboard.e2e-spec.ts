// JobsDashboardModule (nest-pg-jobs/dashboard) over HTTP, without a browser: pg-boss's dashboard
// mounted in a Nest app on Express and on Fastify, behind the app's guards, read-only or not, closed
// with the app; and the options that fail bootstrap.
import {
  Injectable,
  Module,
  UnauthorizedException,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import {
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  JobsService,
  defineJob,
  type JobsModuleOptions,
} from '../../lib/index.js';
import { waitForJob } from '../../lib/testing/index.js';
import { JobsDashboardModule, JobsDashboardRoute, type JobsDashboardOptions } from '../../lib/dashboard/index.js';
import { bootstrapError, databaseUrl, schemasDroppedAfterAll, sql, track, waitFor } from '../support/e2e.js';

const schemaFor = schemasDroppedAfterAll();

/** Fails every time, with no retry: each job sent ends `failed` at once, with a copy in the dead-letter queue. */
const Failing = defineJob<{ n: number }>('dash-failing', { retryLimit: 0, deadLetter: 'dash-failing.dead' });

@Injectable()
class FailingWorker {
  @JobHandler(Failing)
  async run(): Promise<void> {
    throw new Error('the mail server said no');
  }
}

/** Who a bearer token is: the dependency that makes AuthGuard a provider with its own injection. */
@Injectable()
class Users {
  private readonly byToken: Record<string, { name: string; role: string }> = {
    'ops-token': { name: 'olga', role: 'ops' },
    'viewer-token': { name: 'victor', role: 'viewer' },
  };
  find(token: string | undefined) {
    return token === undefined ? undefined : this.byToken[token];
  }
}

/** 401 without a known bearer token; otherwise records the user on the request, as Passport does. */
@Injectable()
class AuthGuard implements CanActivate {
  constructor(private readonly users: Users) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: unknown }>();
    const user = this.users.find(request.headers.authorization?.replace(/^Bearer /, ''));
    if (!user) throw new UnauthorizedException('a bearer token is required for the jobs dashboard');
    request.user = user;
    return true;
  }
}

/** An instance with its own argument: false (403) unless the user AuthGuard found has the role. */
class RoleGuard implements CanActivate {
  constructor(private readonly role: string) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ user?: { role: string } }>();
    return context.getClass() === JobsDashboardRoute && request.user?.role === this.role;
  }
}

const OPS = { authorization: 'Bearer ops-token' };
const VIEWER = { authorization: 'Bearer viewer-token' };

/** The fixture app: JobsModule on a test schema, the failing handler, the dashboard with the given options. */
@Module({})
class DashboardApp {
  static with(schema: string, dashboard: JobsDashboardOptions, jobs: Partial<JobsModuleOptions> = {}): DynamicModule {
    return {
      module: DashboardApp,
      imports: [
        JobsModule.forRoot({ connectionString: databaseUrl(), schema, logger: false, startAttempts: 1, ...jobs }),
        JobsDashboardModule.forRoot(dashboard),
      ],
      providers: [FailingWorker, Users, AuthGuard],
    };
  }
}

type Adapter = 'express' | 'fastify';

async function start(adapter: Adapter, module: DynamicModule): Promise<{ app: INestApplication; base: string }> {
  const options = { logger: false as const, abortOnError: false };
  const app = track(
    adapter === 'express'
      ? await NestFactory.create(module, options)
      : await NestFactory.create(module, new FastifyAdapter(), options),
  );
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** A job of the Failing queue that has failed (and been dead-lettered), by the app's own worker. */
async function failedJob(app: INestApplication): Promise<string> {
  const id = await app.get(JobsService).send(Failing, { n: 1 });
  await waitForJob(app, Failing, id!, 'failed', { timeoutMs: 15_000 });
  return id!;
}

/**
 * The form the Retry item of a job's menu on the queue page posts (form-encoded). The queue page, not
 * the job page: @pg-boss/dashboard 1.9.0 reads a job's page through a pg-boss it bundles, which
 * refuses pg-boss 12.38's newer schema (README, Dashboard).
 */
const retry = (base: string, id: string, headers: Record<string, string> = {}, path = '/jobs') =>
  fetch(`${base}${path}/queues/${Failing.name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ intent: 'retry', jobId: id }),
    redirect: 'manual',
  });

describe.each<Adapter>(['express', 'fastify'])('the jobs dashboard on %s', (adapter) => {
  const schema = schemaFor(`dash_${adapter}`);
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, base } = await start(
      adapter,
      DashboardApp.with(schema, { path: '/jobs', guards: [AuthGuard, new RoleGuard('ops')], allowedActionOrigins: ['ops.example.com'] }),
    ));
  });
  afterAll(() => app?.close());

  it('renders the dashboard at its path, listing the queues, for a request the guards let through', async () => {
    const response = await fetch(`${base}/jobs`, { headers: OPS });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('pg-boss Dashboard');
    expect(html).toContain(Failing.name);
  });

  it('serves its assets and pages under the path to the same guards', async () => {
    const html = await (await fetch(`${base}/jobs/queues`, { headers: OPS })).text();
    const script = /\/jobs\/assets\/[\w.-]+\.js/.exec(html)?.[0];
    expect(script).toBeDefined();
    expect((await fetch(`${base}${script}`, { headers: OPS })).status).toBe(200);
    expect((await fetch(`${base}${script}`)).status).toBe(401);
  });

  it("answers 401 with Nest's JSON body when a guard throws UnauthorizedException", async () => {
    for (const url of ['/jobs', '/jobs/queues', '/jobs.data', `/jobs/queues/${Failing.name}`]) {
      const response = await fetch(`${base}${url}`);
      expect({ url, status: response.status }).toEqual({ url, status: 401 });
      expect(await response.json()).toEqual({
        statusCode: 401,
        message: 'a bearer token is required for the jobs dashboard',
        error: 'Unauthorized',
      });
    }
  });

  it('answers 403 Forbidden resource when a guard returns false', async () => {
    const response = await fetch(`${base}/jobs`, { headers: VIEWER });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' });
  });

  it("retries a failed job from the dashboard's form post (the body reaches the dashboard unread)", async () => {
    const id = await failedJob(app);
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(0);
    const response = await retry(base, id, OPS);
    expect(response.status).toBe(200);
    // The dashboard's retry gives the job one more attempt: retry_limit = retry_count + 1.
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(1);
    // ...which the worker runs (and fails again: its second and last attempt).
    await waitFor(async () => (await app.get(JobsService).getJob(Failing, id))?.retryCount === 1, {
      message: 'the retried job to run again',
    });
  });

  it('takes an action posted from a host in allowedActionOrigins, and refuses one from any other host with 400', async () => {
    const id = await failedJob(app);
    expect((await retry(base, id, { ...OPS, origin: 'https://evil.example.net' })).status).toBe(400);
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(0);
    expect((await retry(base, id, { ...OPS, origin: 'https://ops.example.com' })).status).toBe(200);
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(1);
  });

  it('refuses an action to a request the guards refuse, before it reaches the dashboard', async () => {
    const id = await failedJob(app);
    expect((await retry(base, id)).status).toBe(401);
    expect((await retry(base, id, VIEWER)).status).toBe(403);
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(0);
  });
});

describe.each<Adapter>(['express', 'fastify'])('a read-only jobs dashboard on %s', (adapter) => {
  const schema = schemaFor(`dash_ro_${adapter}`);
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, base } = await start(adapter, DashboardApp.with(schema, { path: '/ops/jobs', guards: [AuthGuard], readOnly: true })));
  });
  afterAll(() => app?.close());

  it('renders its pages', async () => {
    const response = await fetch(`${base}/ops/jobs`, { headers: OPS });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(Failing.name);
  });

  it('refuses every state-changing request with 403, and the job stays as it was', async () => {
    const id = await failedJob(app);
    const url = `${base}/ops/jobs/queues/${Failing.name}`;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await fetch(url, {
        method,
        headers: { ...OPS, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ intent: 'retry', jobId: id }),
      });
      expect({ method, status: response.status }).toEqual({ method, status: 403 });
      expect(await response.json()).toMatchObject({ statusCode: 403, message: expect.stringContaining('read-only') });
    }
    expect((await app.get(JobsService).getJob(Failing, id))?.retryLimit).toBe(0);
  });

  it('still runs the guards first: 401 without a credential', async () => {
    const response = await fetch(`${base}/ops/jobs`, { method: 'POST' });
    expect(response.status).toBe(401);
  });
});

describe('the jobs dashboard and the application lifecycle', () => {
  it.each<Adapter>(['express', 'fastify'])("closes the dashboard's database pool when the app closes (%s)", async (adapter) => {
    const schema = schemaFor(`dash_close_${adapter}`);
    // Its own application_name, so that this test counts only the dashboard's connections.
    const applicationName = `dash_close_${adapter}_${process.pid}`;
    const url = new URL(databaseUrl());
    url.searchParams.set('application_name', applicationName);
    const { app, base } = await start(adapter, DashboardApp.with(schema, { path: '/jobs', database: { url: url.href } }));
    const open = async () =>
      (await sql<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]))[0]!.n;

    const page = await fetch(`${base}/jobs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(Failing.name);
    expect(await open()).toBeGreaterThan(0);

    await app.close();
    // pg's pool would close an idle connection on its own only after 10 s.
    await waitFor(async () => (await open()) === 0, { timeoutMs: 3_000, message: "the dashboard's connections to close" });
  });

  it('is not mounted, and asks for nothing, in an application context without HTTP', async () => {
    const schema = schemaFor('dash_context');
    const app = track(
      await NestFactory.createApplicationContext(
        // No database option and a JobsModule without a URL: an HTTP app would refuse this.
        DashboardApp.with(schema, { path: '/jobs' }, { connectionString: undefined, connection: connectionOf(databaseUrl(), schema) }),
        { logger: false, abortOnError: false },
      ),
    );
    expect(app.get(JobsService)).toBeInstanceOf(JobsService);
    await app.close();
  });
});

describe('options that fail bootstrap with a JobsConfigurationError', () => {
  const schema = schemaFor('dash_bad');

  const failure = async (dashboard: unknown, jobs: Partial<JobsModuleOptions> = {}) => {
    const error = await bootstrapError(
      (async () => (await start('express', DashboardApp.with(schema, dashboard as JobsDashboardOptions, jobs))).app)(),
    );
    expect(error).toBeInstanceOf(JobsConfigurationError);
    return error.message;
  };

  it.each([
    [{ path: 'jobs' }, /path must start with "\/" \(write "\/jobs"\)/],
    [{ path: '/jobs/' }, /path must not end with "\/" \(write "\/jobs"\)/],
    [{ path: '/' }, /path must not be "\/": the dashboard would answer every request of the app/],
    [{ path: '/jobs/../admin' }, /path must not contain an empty, "\." or "\.\." segment/],
    [{ path: '/jobs?x' }, /path may only contain letters, digits and \. _ ~ - \//],
    [{}, /path is required/],
    [{ path: '/jobs', readonly: true }, /unknown option "readonly" \(known: path, guards, readOnly, allowedActionOrigins, database\)/],
    [{ path: '/jobs', readOnly: 'yes' }, /readOnly must be true or false, got "yes"/],
    [{ path: '/jobs', guards: [AuthGuard, 'admin'] }, /guards\[1\] must be a CanActivate class or an object with a canActivate method, got "admin"/],
    [{ path: '/jobs', allowedActionOrigins: ['https://ops.example.com'] }, /allowedActionOrigins\[0\] "https:\/\/ops\.example\.com" is an origin, but the entries are hosts: write "ops\.example\.com"/],
    [{ path: '/jobs', database: { url: '' } }, /database\.url must be a non-empty PostgreSQL URL string/],
    [{ path: '/jobs', database: { url: databaseUrl(), schema: '"Jobs"' } }, /database\.schema must be a bare schema name/],
  ])('%j', async (dashboard, message) => {
    expect(await failure(dashboard)).toMatch(message);
  });

  it('never echoes database.url, which carries a password', async () => {
    const message = await failure({ path: '/jobs', database: { url: 42 } });
    expect(message).toMatch(/database\.url must be a non-empty PostgreSQL URL string\.$/);
  });

  it("asks for database when JobsModule's connection has no connection string", async () => {
    expect(await failure({ path: '/jobs' }, { connectionString: undefined, connection: connectionOf(databaseUrl(), schema) })).toMatch(
      /JobsModule was given connection options without a connectionString.*database: \{ url: process\.env\.DATABASE_URL/,
    );
  });

  it('asks for database when JobsModule was given an existing PgBoss', async () => {
    const boss = new PgBoss({ connectionString: databaseUrl(), schema });
    expect(await failure({ path: '/jobs' }, { connectionString: undefined, boss, schema })).toMatch(
      /JobsModule was given an existing PgBoss \(boss\).*Pass one: JobsDashboardModule\.forRoot/,
    );
  });

  it('names a guard class it cannot create, and how to provide it', async () => {
    @Injectable()
    class NeedsUnknown implements CanActivate {
      constructor(readonly missing: Users) {}
      canActivate() {
        return true;
      }
    }
    @Module({
      imports: [JobsModule.forRoot({ connectionString: databaseUrl(), schema, logger: false }), JobsDashboardModule.forRoot({ path: '/jobs', guards: [NeedsUnknown] })],
    })
    class NoUsersApp {}
    const error = await bootstrapError(
      (async () => {
        const app = track(await NestFactory.create(NoUsersApp, { logger: false, abortOnError: false }));
        await app.init().catch(async (e: unknown) => {
          await app.close(); // JobsModule started pg-boss before the dashboard's init failed
          throw e;
        });
        return app;
      })(),
    );
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(/could not create its guard NeedsUnknown: .*providers: \[NeedsUnknown\]/);
  });
});

/** pg-boss constructor options for a URL, without the URL: host, port, user, password, database. */
function connectionOf(url: string, schema: string): JobsModuleOptions['connection'] {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1),
    schema,
  };
}
