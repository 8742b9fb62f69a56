// Start-up errors against the real server: what cannot heal fails bootstrap at once with its real
// cause (and no password); what can heal (nothing listening yet) is retried.
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobsModule, JobsStartError, type JobsModuleOptions } from '../../lib/index.js';
import { freePort } from '../../scripts/embedded-postgres.js';
import { bootstrapError, databaseUrl, printedText, sql } from '../support/e2e.js';

@Module({})
class Host {}

const PASSWORD = `Pw-${randomUUID().slice(0, 8)}-start`;
const WRONG_PASSWORD = `Wrong-${randomUUID().slice(0, 8)}`;

/** Boots the module with `startAttempts: 3`; returns the error, the retry warnings and every text it left. */
async function failedStart(jobs: Partial<JobsModuleOptions>) {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
  const logger: LoggerService = { log: push, error: push, warn: push, debug: push, verbose: push, fatal: push };
  const error = await bootstrapError(NestFactory.createApplicationContext(
    {
      module: Host,
      imports: [JobsModule.forRoot({ schema: `t_start_${randomUUID().slice(0, 8)}`, startAttempts: 3, ...jobs, logger })],
    } as DynamicModule,
    { logger, abortOnError: false },
  ));
  return { error, text: printedText(lines, error), retries: lines.filter((line) => line.startsWith('Database not reachable')) };
}

describe('start-up errors', () => {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 8);
  const user = `start_user_${suffix}`;
  const unprivileged = `start_noprivs_${suffix}`;
  const url = (change: (url: URL) => void) => {
    const u = new URL(databaseUrl());
    change(u);
    return u.toString();
  };
  const as = (role: string, password = PASSWORD) =>
    url((u) => {
      u.username = role;
      u.password = password;
    });

  beforeAll(async () => {
    // A role that may log in and use the database, and one that may only log in: neither may create
    // a schema in the test database (PUBLIC has no CREATE on a database).
    await sql(`CREATE ROLE ${user} LOGIN PASSWORD '${PASSWORD}'`);
    await sql(`CREATE ROLE ${unprivileged} LOGIN PASSWORD '${PASSWORD}'`);
  });
  afterAll(async () => {
    await sql(`DROP ROLE IF EXISTS ${user}`);
    await sql(`DROP ROLE IF EXISTS ${unprivileged}`);
  });

  it.each([
    ['a wrong password', () => as(user, WRONG_PASSWORD), /^Could not start pg-boss: password authentication failed for user "start_user_\w+" \(SQLSTATE 28P01\)\. Not retried.*: check the user and password/],
    ['an unknown database', () => url((u) => { u.username = user; u.password = PASSWORD; u.pathname = `/nowhere_${suffix}`; }), /^Could not start pg-boss: database "nowhere_\w+" does not exist \(SQLSTATE 3D000\)\. Not retried.*: check the database name/],
    ['a role without the privilege to create the schema', () => as(unprivileged), /^Could not start pg-boss: permission denied for database \w+ \(SQLSTATE 42501\)\. Not retried.*createSchema: false/],
    ['a connection string that is not a valid URL', () => `postgres://${user}:${PASSWORD}@127.0.0.1:not-a-port/app`, /^Could not start pg-boss: Invalid URL\. Not retried.*postgres:\/\/user:password@host:5432\/database/],
  ])('fails bootstrap at once on %s, with the cause and without the password', async (_label, connectionString, message) => {
    const { error, text, retries } = await failedStart({ connectionString: connectionString() });
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(message);
    // One attempt: no retry was announced, and the message does not count attempts.
    expect(retries).toEqual([]);
    expect(error.message).not.toMatch(/after \d+ attempt/);
    // The real error is kept as the cause (TypeError comes from another realm under Jest: no instanceof).
    expect(error.message).toContain((error.cause as { message: string }).message);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(WRONG_PASSWORD);
  });

  it('fails at once on a wrong password given in connection options', async () => {
    const { hostname, port, pathname } = new URL(databaseUrl());
    const { error, text, retries } = await failedStart({
      connection: { host: hostname, port: Number(port), database: pathname.slice(1), user, password: WRONG_PASSWORD },
    });
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(/password authentication failed .*\(SQLSTATE 28P01\)/);
    expect(retries).toEqual([]);
    expect(text).not.toContain(WRONG_PASSWORD);
  });

  it('still retries a refused connection, announcing each retry, then gives up naming the attempts', async () => {
    const { error, text, retries } = await failedStart({
      connectionString: `postgres://${user}:${PASSWORD}@127.0.0.1:${await freePort()}/app`,
      startAttempts: 2,
    });
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(/^Could not start pg-boss after 2 attempt\(s\): .*ECONNREFUSED/);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/ECONNREFUSED.*attempt 1 of 2, retrying in 1 s/);
    expect(text).not.toContain(PASSWORD);
  });
});
