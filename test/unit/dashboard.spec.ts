// The pieces of nest-pg-jobs/dashboard that need no database or HTTP server: loading the optional
// peer, which URLs are the dashboard's, and where its database comes from.
import { describe, expect, it } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { JobsConfigurationError } from '../../lib/index.js';
import { loadDashboardHandler } from '../../lib/dashboard/load-dashboard-handler.util.js';
import { isDashboardUrl } from '../../lib/dashboard/dashboard.mount.js';
import { resolveDashboardDatabase } from '../../lib/dashboard/resolve-dashboard-database.util.js';
import { InvalidRequestError, toFetchRequest } from '../../lib/dashboard/fetch-bridge.util.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

describe('loadDashboardHandler', () => {
  it('fails with a JobsConfigurationError saying npm i @pg-boss/dashboard when the optional peer is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@pg-boss/dashboard' imported from /app/dist/dashboard"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const loading = loadDashboardHandler(() => Promise.reject(missing));
    await expect(loading).rejects.toThrow(JobsConfigurationError);
    await expect(loading).rejects.toThrow(/needs the optional peer dependency @pg-boss\/dashboard.*npm i @pg-boss\/dashboard$/);
    await expect(loading).rejects.toMatchObject({ cause: missing });
  });

  it("loads the installed peer's createDashboardHandler", async () => {
    expect(typeof (await loadDashboardHandler())).toBe('function');
  });
});

describe('isDashboardUrl', () => {
  it.each([
    ['/jobs', true],
    ['/jobs?db=main', true],
    ['/jobs.data', true],
    ['/jobs.data?_routes=root', true],
    ['/jobs/', true],
    ['/jobs/queues/mail/jobs/1', true],
    ['/jobs/assets/entry.client.js', true],
    ['/jobsx', false],
    ['/jobs.css', false],
    ['/JOBS', false],
    ['/api/jobs', false],
    ['/', false],
    [undefined, false],
  ])('%s → %s', (url, expected) => {
    expect(isDashboardUrl(url, '/jobs')).toBe(expected);
  });
});

describe('resolveDashboardDatabase', () => {
  const url = 'postgres://app:secret@db:5432/app';

  it("uses JobsModule's connection string and schema by default", () => {
    expect(resolveDashboardDatabase(undefined, { connectionString: url, schema: 'jobs' })).toEqual({ url, schema: 'jobs' });
    expect(resolveDashboardDatabase(undefined, { connection: { connectionString: url, schema: 'jobs2' } })).toEqual({
      url,
      schema: 'jobs2',
    });
    expect(resolveDashboardDatabase(undefined, { connectionString: url })).toEqual({ url, schema: 'pgboss' });
  });

  it('unquotes a quoted schema that means the same unquoted, and refuses one the dashboard cannot reach', () => {
    expect(resolveDashboardDatabase(undefined, { connectionString: url, schema: '"jobs"' }).schema).toBe('jobs');
    expect(() => resolveDashboardDatabase(undefined, { connectionString: url, schema: '"MyJobs"' })).toThrow(
      /cannot show the schema "\\"MyJobs\\"".*Use a lower-case schema name/,
    );
  });

  it("takes the database option over JobsModule's, its schema defaulting to JobsModule's", () => {
    const other = 'postgres://reader@replica/app';
    expect(resolveDashboardDatabase({ url: other, name: 'replica' }, { connectionString: url, schema: 'jobs' })).toEqual({
      url: other,
      schema: 'jobs',
      name: 'replica',
    });
    expect(resolveDashboardDatabase({ url: other }, undefined)).toEqual({ url: other, schema: 'pgboss' });
  });

  it.each([
    ['no JobsModule', undefined, /the application has no JobsModule/],
    ['an existing PgBoss', { boss: new PgBoss({ connectionString: url }) }, /JobsModule was given an existing PgBoss \(boss\)/],
    ['a custom db', { connection: { connectionString: url, db: { executeSql: async () => ({ rows: [] }) } } }, /a custom db \(connection\.db\)/],
    ['connection options without a URL', { connection: { host: 'db', database: 'app' } }, /connection options without a connectionString/],
    ['connection.ssl', { connection: { connectionString: url, ssl: { rejectUnauthorized: true } } }, /connection\.ssl, which the dashboard's connection string cannot carry/],
  ])('asks for the database option with %s', (_case, jobs, reason) => {
    const resolving = () => resolveDashboardDatabase(undefined, jobs);
    expect(resolving).toThrow(JobsConfigurationError);
    expect(resolving).toThrow(reason);
    expect(resolving).toThrow(/Pass one: JobsDashboardModule\.forRoot\(\{ path: '\/jobs', database: \{ url:/);
    expect(resolving).not.toThrow(/secret/);
  });
});

describe('toFetchRequest', () => {
  const request = (url: string, headers: Record<string, string | string[]>) =>
    toFetchRequest(
      { method: 'GET', url, headers, socket: {} } as unknown as IncomingMessage,
      { once: () => undefined } as unknown as ServerResponse,
    );

  it('builds the URL from the Host header and keeps every header', () => {
    const fetchRequest = request('/jobs/queues?db=main', { host: '127.0.0.1:3000', cookie: 'a=1', 'x-many': ['1', '2'] });
    expect(fetchRequest.url).toBe('http://127.0.0.1:3000/jobs/queues?db=main');
    expect(fetchRequest.headers.get('cookie')).toBe('a=1');
    expect(fetchRequest.headers.get('x-many')).toBe('1, 2');
  });

  it('keeps a path that starts with // on the Host, and refuses a Host header that is no host', () => {
    expect(new URL(request('//evil.example/jobs', { host: 'app' }).url).host).toBe('app');
    for (const host of ['user@evil.example', 'evil.example/x', 'a b']) {
      expect(() => request('/jobs', { host })).toThrow(InvalidRequestError);
    }
  });
});
