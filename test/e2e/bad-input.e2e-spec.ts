// Bad input at every public entry point: each case must fail with a named error that says what to
// change, and leave pg-boss's tables exactly as they were.
import { randomBytes } from 'node:crypto';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { z } from 'zod';
import {
  defineJob,
  flowStep,
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  JobsService,
  JobValidationError,
  Recurring,
  RECURRING_SCHEDULE_KEY,
  type Job,
  type JobEvent,
} from '../../lib/index.js';
import { bootstrapError, createApp, databaseUrl, dropSchema, schemasDroppedAfterAll, sql, uniqueSchema, waitFor } from '../support/e2e.js';

/** `.then(...refusal(what))`: the rejection as an Error, or an Error saying `what` did not happen. */
const refusal = (what: string) =>
  [() => new Error(what), (e: unknown) => e as Error] as const;

/** Jobs, schedules and queues in a schema: what "nothing was written" compares before and after. */
async function rowCounts(schema: string): Promise<{ jobs: number; schedules: number; queues: number }> {
  const [row] = await sql<{ jobs: number; schedules: number; queues: number }>(
    `SELECT (SELECT count(*)::int FROM ${schema}.job) AS jobs,
            (SELECT count(*)::int FROM ${schema}.schedule) AS schedules,
            (SELECT count(*)::int FROM ${schema}.queue) AS queues`,
  );
  return row!;
}

const Plain = defineJob<Record<string, unknown>>('plain');
const Validated = defineJob('validated', { schema: z.object({ n: z.number().int() }) });
const Other = defineJob<Record<string, unknown>>('other');
// Declared nowhere: no handler, not in `queues`, so its queue never exists.
const Undeclared = defineJob<Record<string, unknown>>('undeclared');

const ONE_MIB = 1024 * 1024;
const A_UUID = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';

@Injectable()
class Handlers {
  @JobHandler(Plain)
  async plain() {}

  @JobHandler(Validated)
  async validated() {}

  @JobHandler(Other)
  async other() {}
}

type Call = (jobs: JobsService) => Promise<unknown>;
type Case = [label: string, call: Call, error: new (...args: any[]) => Error, message: RegExp];

const circular = () => {
  const node: Record<string, unknown> = { name: 'root', child: {} };
  (node.child as Record<string, unknown>).parent = node;
  return node;
};

/**
 * An application with {@link Handlers} in a schema of its own, for one describe block: started
 * before its tests (with one valid job waiting when `seed`, so "unchanged" is not trivially
 * "empty"), closed and its schema dropped after them.
 */
function handlersApp(prefix: string, { seed = false }: { seed?: boolean } = {}) {
  const schema = uniqueSchema(prefix);
  const fixture = {
    schema,
    app: undefined as unknown as INestApplicationContext,
    jobs: undefined as unknown as JobsService,
    /** Jobs, schedules and queues in the schema now. */
    counts: () => rowCounts(schema),
    /** Expects `call` to be refused with an error of `type` whose message matches, having written nothing. */
    async expectRefused(call: Call, type: Case[2], message: RegExp): Promise<void> {
      const before = await fixture.counts();
      const error = await call(fixture.jobs).then(...refusal('expected the call to be refused'));
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
      expect(await fixture.counts()).toEqual(before);
    },
  };
  beforeAll(async () => {
    fixture.app = await createApp(schema, { providers: [Handlers] });
    fixture.jobs = fixture.app.get(JobsService);
    if (seed) await fixture.jobs.send(Plain, { seed: true }, { startAfter: 3600 });
  });
  afterAll(async () => {
    await fixture.app?.close();
    await dropSchema(schema);
  });
  return fixture;
}

describe('bad input: nothing is written and the error says what to change', () => {
  const fx = handlersApp('bad_input', { seed: true });

  const sendCases: Case[] = [
    // queue names and definitions
    ['an SQL-looking queue name', (j) => j.send('jobs"; drop table x;--', {}), JobsConfigurationError, /^Invalid options for JobsService\.send: queue name "jobs\\"; drop table x;--" may only contain letters, digits/],
    ['a queue name with a space', (j) => j.send('welcome email', {}), JobsConfigurationError, /queue name "welcome email" may only contain/],
    ['an empty queue name', (j) => j.send('', {}), JobsConfigurationError, /queue name "" may only contain/],
    ['a hand-made definition with an SQL-looking name', (j) => j.send({ name: "x'; delete from job;--", options: {} } as never, {}), JobsConfigurationError, /queue name "x'; delete from job;--"/],
    ['null in place of a definition', (j) => j.send(null as never, {}), JobsConfigurationError, /JobsService\.send takes a job definition \(defineJob\('name', \.\.\.\)\) or a queue name, got null/],
    ['a definition no queue exists for', (j) => j.send(Undeclared, {}), JobsConfigurationError, /^Queue "undeclared" does not exist\. Declare a handler for it \(@JobHandler\), or list its definition in JobsModule's queues option/],
    ['a queue name no queue exists for, on the shared-INSERT path', (j) => j.send('undeclared', {}, { priority: 1 }), JobsConfigurationError, /Queue "undeclared" does not exist/],
    // payloads JSON cannot carry
    ['a BigInt deep in the payload', (j) => j.send(Plain, { order: { lines: [{ cents: 10n }] } }), JobValidationError, /^Invalid payload for job "plain": payload\.order\.lines\[0\]\.cents is a BigInt, which JSON cannot represent; send it as a string/],
    ['a circular payload', (j) => j.send(Plain, circular()), JobValidationError, /payload\.child\.parent refers back to payload \(a circular reference\)/],
    ['a function in the payload', (j) => j.send(Plain, { callback: () => 1 }), JobValidationError, /payload\.callback is a function, which JSON drops/],
    ['a symbol in the payload', (j) => j.send(Plain, { tag: Symbol('x') }), JobValidationError, /payload\.tag is a symbol/],
    ['NaN in the payload', (j) => j.send(Plain, { ratio: Number.NaN }), JobValidationError, /payload\.ratio is NaN, which JSON stores as null/],
    ['Infinity in the payload', (j) => j.send(Plain, { limit: Infinity }), JobValidationError, /payload\.limit is Infinity/],
    ['a Map in the payload', (j) => j.send(Plain, { byId: new Map([[1, 'a']]) }), JobValidationError, /payload\.byId is a Map, which JSON stores as \{\}/],
    ['a Set in the payload', (j) => j.send(Plain, { ids: new Set([1]) }), JobValidationError, /payload\.ids is a Set/],
    ['a key that is not an identifier', (j) => j.send(Plain, { 'user id': 1n }), JobValidationError, /payload\["user id"\] is a BigInt/],
    ['a BigInt as the payload', (j) => j.send(Plain, 10n as never), JobValidationError, /pg-boss stores an object \(or nothing\), got bigint/],
    ['a function as the payload', (j) => j.send(Plain, (() => 1) as never), JobValidationError, /got function/],
    ['a symbol as the payload', (j) => j.send(Plain, Symbol('x') as never), JobValidationError, /got symbol/],
    ['a payload over 1 MiB of JSON (the default limit)', (j) => j.send(Plain, { blob: 'x'.repeat(ONE_MIB) }), JobValidationError, /^Payload of job "plain" is over the 1048576-byte limit \(at least 1048580 bytes of JSON\)\. .*store large data elsewhere .* or raise JobsModule's maxPayloadBytes/],
    ['a multi-byte payload over the limit in bytes, not characters', (j) => j.send(Plain, { text: 'é'.repeat(ONE_MIB / 2 + 1) }), JobValidationError, /at least 1048582 bytes of JSON/],
    // send options
    ['priority NaN', (j) => j.send(Plain, {}, { priority: Number.NaN }), JobValidationError, /^Invalid options for JobsService\.send of job "plain": priority must be an integer between -2147483648 and 2147483647, got NaN\. Nothing was sent\.$/],
    ['priority Infinity', (j) => j.send(Plain, {}, { priority: Infinity }), JobValidationError, /priority must be an integer .*, got Infinity/],
    ['a fractional priority', (j) => j.send(Plain, {}, { priority: 1.5 }), JobValidationError, /priority must be an integer/],
    ['a priority beyond the int column', (j) => j.send(Plain, {}, { priority: 2 ** 40 }), JobValidationError, /priority must be an integer between/],
    ['a priority given as a string', (j) => j.send(Plain, {}, { priority: '5' as never }), JobValidationError, /priority must be an integer .*, got "5"/],
    ['a negative delay', (j) => j.send(Plain, {}, { startAfter: -5 }), JobValidationError, /startAfter must be seconds from now \(a finite number >= 0\), a valid Date or an ISO 8601 date string, got -5/],
    ['a NaN delay', (j) => j.send(Plain, {}, { startAfter: Number.NaN }), JobValidationError, /startAfter must be .*, got NaN/],
    ['an infinite delay (pg-boss would store a job that never runs)', (j) => j.send(Plain, {}, { startAfter: Infinity }), JobValidationError, /startAfter must be .*, got Infinity/],
    ['an invalid Date', (j) => j.send(Plain, {}, { startAfter: new Date('not a date') }), JobValidationError, /startAfter must be .*, got an invalid Date/],
    ['a startAfter string that is no date', (j) => j.send(Plain, {}, { startAfter: 'tomorrow' }), JobValidationError, /startAfter must be .*, got "tomorrow"/],
    ['a startAfter on a day that does not exist', (j) => j.send(Plain, {}, { startAfter: '2026-02-30T10:00:00Z' }), JobValidationError, /startAfter must be/],
    ['a negative retryLimit', (j) => j.send(Plain, {}, { retryLimit: -1 }), JobValidationError, /retryLimit must be an integer >= 0, got -1/],
    ['a NaN retryLimit', (j) => j.send(Plain, {}, { retryLimit: Number.NaN }), JobValidationError, /retryLimit must be an integer >= 0, got NaN/],
    ['an infinite retryLimit', (j) => j.send(Plain, {}, { retryLimit: Infinity }), JobValidationError, /retryLimit must be an integer >= 0, got Infinity/],
    ['a negative retryDelay', (j) => j.send(Plain, {}, { retryDelay: -1 }), JobValidationError, /retryDelay must be an integer >= 0/],
    ['retryDelayMax without retryBackoff', (j) => j.send(Plain, {}, { retryDelayMax: 10 }), JobValidationError, /retryDelayMax only applies with retryBackoff: true/],
    ['expireInSeconds 0', (j) => j.send(Plain, {}, { expireInSeconds: 0 }), JobValidationError, /expireInSeconds must be a number >= 1, got 0/],
    ['expireInSeconds NaN', (j) => j.send(Plain, {}, { expireInSeconds: Number.NaN }), JobValidationError, /expireInSeconds must be a number >= 1, got NaN/],
    ['expireInSeconds over 24 hours', (j) => j.send(Plain, {}, { expireInSeconds: 86_401 }), JobValidationError, /expireInSeconds cannot exceed 86400/],
    ['an id that is not a uuid', (j) => j.send(Plain, {}, { id: "1'; drop table job;--" }), JobValidationError, /id must be a uuid/],
    ['an empty singletonKey', (j) => j.send(Plain, {}, { singletonKey: '' }), JobValidationError, /singletonKey must be a non-empty string/],
    ['a throttle of 0 seconds', (j) => j.send(Plain, {}, { throttle: { seconds: 0 } }), JobValidationError, /throttle seconds must be an integer >= 1/],
    ['a throttle of NaN seconds', (j) => j.send(Plain, {}, { throttle: { seconds: Number.NaN } }), JobValidationError, /throttle seconds must be an integer >= 1/],
    ['throttle and debounce together', (j) => j.send(Plain, {}, { throttle: { seconds: 5 }, debounce: { seconds: 5 } }), JobValidationError, /throttle cannot be combined with debounce/],
    ['an SQL-looking deadLetter', (j) => j.send(Plain, {}, { deadLetter: 'x"; drop table x;--' }), JobValidationError, /deadLetter must be a queue name/],
    ['a group without id', (j) => j.send(Plain, {}, { group: { id: '' } }), JobValidationError, /group id must be a non-empty string/],
    ['a db that is no adapter', (j) => j.send(Plain, {}, { db: {} as never }), JobValidationError, /db must be a transaction adapter/],
    ['a misspelt option', (j) => j.send(Plain, {}, { priorty: 1 } as never), JobValidationError, /unknown option "priorty" \(known: id, priority, startAfter/],
    ['options that are not an object', (j) => j.send(Plain, {}, null as never), JobValidationError, /options must be an object, got null/],
    ['a payload failing the schema', (j) => j.send(Validated, { n: 1.5 }), JobValidationError, /^Invalid payload for job "validated": n: /],
  ];

  const manyCases: Case[] = [
    ['sendMany: jobs that are not an array', (j) => j.sendMany(Plain, {} as never), JobValidationError, /jobs must be an array of \{ data, options\? \}/],
    ['sendMany: a BigInt in the third job (no job is written)', (j) => j.sendMany(Plain, [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3n } }]), JobValidationError, /^Invalid payload for job "plain" \(sendMany jobs\[2\]\): payload\.n is a BigInt/],
    ['sendMany: one job over the size limit', (j) => j.sendMany(Plain, [{ data: { n: 1 } }, { data: { blob: 'x'.repeat(ONE_MIB) } }]), JobValidationError, /^Payload of job "plain" \(sendMany jobs\[1\]\) is over the 1048576-byte limit \(at least \d+ bytes of JSON\)/],
    ['sendMany: a NaN priority on one job', (j) => j.sendMany(Plain, [{ data: {} }, { data: {}, options: { priority: Number.NaN } }]), JobValidationError, /^Invalid options for JobsService\.sendMany \(jobs\[1\]\) of job "plain": priority must be an integer/],
    ['sendMany: throttle is not a per-job option', (j) => j.sendMany(Plain, [{ data: {}, options: { throttle: { seconds: 1 } } as never }]), JobValidationError, /unknown option "throttle"/],
    ['sendMany: an unknown call option', (j) => j.sendMany(Plain, [{ data: {} }], { dbb: 1 } as never), JobValidationError, /unknown option "dbb" \(known: db\)/],
    ['sendMany: an SQL-looking queue name', (j) => j.sendMany('a;drop', [{ data: {} }]), JobsConfigurationError, /queue name "a;drop"/],
    ['sendMany: a queue that does not exist', (j) => j.sendMany(Undeclared, [{ data: {} }]), JobsConfigurationError, /Queue "undeclared" does not exist/],
    ['flow: a circular payload in one step', (j) => j.flow([flowStep('a', Plain, circular()), flowStep('b', Other, {}, { dependsOn: ['a'] })]), JobValidationError, /^Invalid payload for job "plain" \(flow step "a"\): payload\.child\.parent refers back/],
    ['flow: a negative delay in one step', (j) => j.flow([flowStep('a', Plain, {}, { startAfter: -1 }), flowStep('b', Other, {}, { dependsOn: ['a'] })]), JobValidationError, /^Invalid options for JobsService\.flow \(step "a"\) of job "plain": startAfter must be/],
    ['flow: a dependency cycle', (j) => j.flow([flowStep('a', Plain, {}, { dependsOn: ['b'] }), flowStep('b', Other, {}, { dependsOn: ['a'] })]), JobValidationError, /flow contains a dependency cycle/],
    ['flow: a step of a queue that does not exist', (j) => j.flow([flowStep('a', Plain, {}), flowStep('b', Undeclared, {}, { dependsOn: ['a'] })]), JobsConfigurationError, /Queue "undeclared" does not exist/],
  ];

  const scheduleCases: Case[] = [
    ['schedule: a cron string that is not cron', (j) => j.schedule(Plain, 'every day'), JobValidationError, /^Invalid schedule for job "plain": cron "every day" is invalid: .*Nothing was scheduled\.$/],
    ['schedule: a minute out of range', (j) => j.schedule(Plain, '61 * * * *'), JobValidationError, /cron "61 \* \* \* \*" is invalid/],
    ['schedule: an empty cron', (j) => j.schedule(Plain, ''), JobValidationError, /cron must be a non-empty string/],
    ['schedule: a cron that is not a string', (j) => j.schedule(Plain, 5 as never), JobValidationError, /cron must be a non-empty string, got 5/],
    ['schedule: an unknown time zone', (j) => j.schedule(Plain, '0 3 * * *', {}, { tz: 'Mars/Olympus' }), JobValidationError, /cron "0 3 \* \* \*" with tz "Mars\/Olympus" is invalid: Unknown or unsupported time zone/],
    ['schedule: an empty time zone', (j) => j.schedule(Plain, '0 3 * * *', {}, { tz: '' }), JobValidationError, /tz must be an IANA time zone name/],
    ['schedule: an SQL-looking key', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: "k'; drop table schedule;--" }), JobValidationError, /key may only contain letters/],
    ['schedule: the key @Recurring owns', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: RECURRING_SCHEDULE_KEY }), JobValidationError, /key "nest-pg-jobs\.recurring" is reserved for @Recurring/],
    ['schedule: a BigInt in the data', (j) => j.schedule(Plain, '0 3 * * *', { n: 1n }), JobValidationError, /payload\.n is a BigInt/],
    ['schedule: data over the size limit', (j) => j.schedule(Plain, '0 3 * * *', { blob: 'x'.repeat(ONE_MIB) }), JobValidationError, /over the 1048576-byte limit/],
    ['schedule: a negative priority option that is NaN', (j) => j.schedule(Plain, '0 3 * * *', {}, { priority: Number.NaN }), JobValidationError, /priority must be an integer/],
    ['schedule: a queue that does not exist', (j) => j.schedule(Undeclared, '0 3 * * *'), JobsConfigurationError, /Queue "undeclared" does not exist/],
    ['unschedule: an SQL-looking key', (j) => j.unschedule(Plain, 'a"; drop'), JobValidationError, /key may only contain/],
    ['unschedule: an SQL-looking queue name', (j) => j.unschedule('x; drop table schedule'), JobsConfigurationError, /queue name "x; drop table schedule"/],
  ];

  const idCases: Case[] = [
    ['cancel: an id that is not a uuid', (j) => j.cancel(Plain, "1' or '1'='1"), JobValidationError, /^JobsService\.cancel on "plain": job id "1' or '1'='1" is not a uuid/],
    ['cancel: one bad id among good ones', (j) => j.cancel(Plain, [A_UUID, 'nope']), JobValidationError, /job id "nope" is not a uuid/],
    ['cancel: a number as id', (j) => j.cancel(Plain, 42 as never), JobValidationError, /job id 42 is not a uuid/],
    ['resume: an id that is not a uuid', (j) => j.resume(Plain, 'x'), JobValidationError, /JobsService\.resume on "plain": job id "x"/],
    ['retry: an id that is not a uuid', (j) => j.retry(Plain, 'x'), JobValidationError, /JobsService\.retry on "plain"/],
    ['getJob: an id that is not a uuid', (j) => j.getJob(Plain, 'x'), JobValidationError, /JobsService\.getJob on "plain"/],
    ['getJob: undefined as id', (j) => j.getJob(Plain, undefined as never), JobValidationError, /job id undefined is not a uuid/],
    ['findJobs: an id that is not a uuid', (j) => j.findJobs(Plain, { id: 'x' }), JobValidationError, /JobsService\.findJobs on "plain"/],
    ['cancel: an SQL-looking queue name', (j) => j.cancel('q"; drop', A_UUID), JobsConfigurationError, /Invalid options for JobsService\.cancel: queue name/],
    ['getQueueCounts: an SQL-looking queue name', (j) => j.getQueueCounts('q"; drop'), JobsConfigurationError, /JobsService\.getQueueCounts: queue name/],
    ['getQueueCounts: a queue that does not exist', (j) => j.getQueueCounts(Undeclared), JobsConfigurationError, /Queue "undeclared" does not exist/],
    ['getDeadLetters: a queue without dead-letter queue', (j) => j.getDeadLetters(Plain), JobsConfigurationError, /Queue "plain" has no dead-letter queue/],
    ['redrive: an SQL-looking queue name', (j) => j.redrive('q"; drop'), JobsConfigurationError, /JobsService\.redrive: queue name/],
  ];

  it.each([...sendCases, ...manyCases, ...scheduleCases, ...idCases])(
    'refuses %s',
    (_label, call, type, message) => fx.expectRefused(call, type, message),
  );

  it('names the queue on every JobValidationError, and the path of a value JSON cannot carry', async () => {
    const error = (await fx.jobs.send(Plain, { a: { b: [1, 2n] } }).catch((e: unknown) => e)) as JobValidationError;
    expect(error.queue).toBe('plain');
    expect(error.issues).toEqual([{ message: expect.stringMatching(/^is a BigInt/), path: ['a', 'b', 1] }]);
  });

  it('accepts what JSON carries faithfully: shared references, dates, undefined properties, a payload at the limit', async () => {
    const shared = { id: 1 };
    const at = new Date('2026-01-02T03:04:05.000Z');
    // {"blob":"…"} is 11 bytes of JSON around the string.
    const blob = 'x'.repeat(ONE_MIB - 11);
    const ids = await Promise.all([
      fx.jobs.send(Plain, { a: shared, b: shared, at, missing: undefined }, { startAfter: 3600 }),
      fx.jobs.send(Plain, { blob }, { startAfter: new Date(Date.now() + 86_400_000).toISOString() }),
      fx.jobs.send(Plain, { n: 0, negative: -1 }, { startAfter: 0, priority: -5 }),
    ]);
    const stored = await Promise.all(ids.map((id) => fx.jobs.getJob(Plain, id!)));
    expect(stored[0]?.data).toEqual({ a: { id: 1 }, b: { id: 1 }, at: '2026-01-02T03:04:05.000Z' });
    expect((stored[1]?.data as { blob: string }).blob).toHaveLength(ONE_MIB - 11);
    expect(stored[2]?.priority).toBe(-5);
    await fx.jobs.cancel(Plain, ids as string[]);
  });
});

describe('bad input at bootstrap: module options, decorators and definitions', () => {
  const schema = schemasDroppedAfterAll();
  const schemas = async () =>
    (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace`))[0]!.n;

  @Module({})
  class Empty {}

  const forRootCases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an SQL-looking schema', { schema: 'jobs"; drop table x;--' }, /^Invalid JobsModule options: schema "jobs\\"; drop table x;--" may only contain letters, digits and "_"/],
    ['a schema with a space', { schema: 'my jobs' }, /schema "my jobs" may only contain/],
    ['a schema starting with a digit', { schema: '1jobs' }, /may not start with a digit/],
    ['a quoted schema hiding a quote', { schema: '"a"b"' }, /is quoted but contains a character pg-boss cannot use/],
    ['a quoted schema with a semicolon and a dot', { schema: '"x; drop.y"' }, /is quoted but contains/],
    ['a schema over 50 bytes', { schema: 'j'.repeat(51) }, /schema must be at most 50 bytes/],
    ['an empty schema', { schema: '' }, /schema must not be empty/],
    ['an SQL-looking connection.schema', { connectionString: undefined, connection: { connectionString: databaseUrl(), schema: 'a;drop' } }, /^Invalid JobsModule options: connection\.schema "a;drop" may only contain letters/],
    ['maxPayloadBytes 0', { maxPayloadBytes: 0 }, /maxPayloadBytes must be an integer number of bytes >= 1, got 0/],
    ['maxPayloadBytes NaN', { maxPayloadBytes: Number.NaN }, /maxPayloadBytes must be an integer number of bytes >= 1, got NaN/],
    ['startAttempts NaN (retried forever before)', { startAttempts: Number.NaN }, /startAttempts must be an integer >= 1, got NaN/],
    ['a negative shutdownTimeoutMs', { shutdownTimeoutMs: -1 }, /shutdownTimeoutMs must be a number of milliseconds >= 0, got -1/],
    ['a misspelt option', { maxPayloadByte: 10 }, /unknown option "maxPayloadByte" \(known: connectionString, connection, boss, schema/],
    ['a logger that is no LoggerService', { logger: {} }, /logger must be a LoggerService/],
    ['a queues entry with an SQL-looking name', { queues: [{ name: 'a"; drop', options: {} }] }, /queues \[0\] must be a job definition with a valid queue name/],
    ['a handlers key that is no queue name', { handlers: { 'a b': {} } }, /handlers has the key "a b", which is not a queue name/],
  ];

  it.each(forRootCases)('forRoot refuses %s before connecting', async (_label, options, message) => {
    const before = await schemas();
    const s = schema('opts');
    const error = await createApp(s, { jobs: options as never }).then(...refusal('bootstrap should have failed'));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(message);
    expect(await schemas()).toBe(before);
  });

  it('forRootAsync refuses bad options from its factory the same way', async () => {
    const error = await bootstrapError(NestFactory.createApplicationContext(
      {
        module: Empty,
        imports: [JobsModule.forRootAsync({ useFactory: async () => ({ connectionString: databaseUrl(), schema: 'x"; drop' }) })],
      },
      { logger: false, abortOnError: false },
    ));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(/^Invalid JobsModule options: schema "x\\"; drop" may only contain/);
  });

  it('never echoes the connection string in an option error', async () => {
    const error = await createApp(schema('secret'), {
      jobs: { connectionString: '   ' as string, schema: undefined },
    }).then(...refusal('bootstrap should have failed'));
    expect(error.message).toBe('Invalid JobsModule options: connectionString must be a non-empty PostgreSQL URL string.');
  });

  it('accepts a quoted schema with upper case, and counts its jobs (pg-boss folds bare names, keeps quoted ones)', async () => {
    const quoted = `"${uniqueSchema('Quoted').replace('t_quoted', 'T_Quoted')}"`;
    const app = await createApp(quoted, { providers: [Handlers] });
    try {
      const jobs = app.get(JobsService);
      await jobs.send(Plain, { n: 1 }, { startAfter: 3600 });
      expect(await jobs.getQueueCounts(Plain)).toMatchObject({ queued: 1 });
    } finally {
      await app.close();
      await sql(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
    }
  });

  it('counts the jobs of a bare schema written in mixed case (stored in lower case)', async () => {
    const mixed = uniqueSchema('mixed').replace('t_mixed', 'T_Mixed');
    const app = await createApp(mixed, { providers: [Handlers] });
    try {
      const jobs = app.get(JobsService);
      await jobs.send(Plain, { n: 1 }, { startAfter: 3600 });
      expect(await jobs.getQueueCounts(Plain)).toMatchObject({ queued: 1 });
    } finally {
      await app.close();
      await dropSchema(mixed.toLowerCase());
    }
  });

  @Injectable()
  class SqlQueueName {
    @JobHandler('jobs"; drop table x;--')
    async run() {}
  }

  @Injectable()
  class SqlRecurringName {
    @Recurring("nightly'; drop table job;--", '0 3 * * *')
    async run() {}
  }

  @Injectable()
  class BigIntRecurringData {
    @Recurring('nightly-bigint', '0 3 * * *', { data: { since: 1n } as never })
    async run() {}
  }

  @Injectable()
  class NaNPriorityRange {
    @JobHandler(Plain, { minPriority: Number.NaN })
    async run() {}
  }

  it.each([
    ['a @JobHandler queue name that looks like SQL', SqlQueueName, /^Invalid options for SqlQueueName\.run: queue name "jobs\\"; drop table x;--" may only contain/],
    ['a @Recurring name that looks like SQL', SqlRecurringName, /^Invalid options for SqlRecurringName\.run: queue name "nightly'; drop table job;--"/],
    ['@Recurring data JSON cannot carry', BigIntRecurringData, /^Invalid options for BigIntRecurringData\.run \(queue "nightly-bigint"\): data: Invalid payload for job "nightly-bigint": payload\.since is a BigInt/],
    ['a NaN worker option', NaNPriorityRange, /minPriority must be an integer, got NaN/],
  ] as const)('bootstrap refuses %s, creating no table', async (_label, provider, message) => {
    const s = schema('decl');
    const error = await createApp(s, { providers: [provider] }).then(...refusal('bootstrap should have failed'));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(message);
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [s])).toEqual([]);
  });

  it.each([
    ['an SQL-looking name', () => defineJob('x"; drop table job;--'), /^Invalid options for defineJob\("x\\"; drop table job;--"\): queue name/],
    ['a negative retryLimit', () => defineJob('a', { retryLimit: -1 }), /^Invalid options for defineJob\('a'\): retryLimit must be an integer >= 0, got -1\.$/],
    ['a NaN retryDelay', () => defineJob('a', { retryDelay: Number.NaN }), /retryDelay must be an integer >= 0, got NaN/],
    ['an infinite expiry', () => defineJob('a', { expireInSeconds: Infinity }), /expireInSeconds must be a number >= 1, got Infinity/],
    ['a worker option on a definition', () => defineJob('a', { concurrency: 2 } as never), /unknown option "concurrency" \(known: schema, retryLimit/],
    ['itself as its dead-letter queue', () => defineJob('a', { deadLetter: 'a' }), /deadLetter cannot be the queue itself/],
    ['an SQL-looking deadLetter', () => defineJob('a', { deadLetter: "a'; drop" }), /deadLetter must be a queue name/],
    ['options that are not an object', () => defineJob('a', null as never), /the options must be an object/],
  ])('defineJob refuses %s', (_label, define, message) => {
    expect(define).toThrow(JobsConfigurationError);
    expect(define).toThrow(message);
  });
});

describe('bad input at bootstrap: worker option combinations pg-boss would refuse or ignore', () => {
  const schema = schemasDroppedAfterAll();

  @Injectable()
  class GroupLimitAboveConcurrency {
    @JobHandler(Plain, { localGroupConcurrency: 2 })
    async run() {}
  }

  @Injectable()
  class TierAboveConcurrency {
    @JobHandler(Plain, { concurrency: 4, localGroupConcurrency: { default: 1, tiers: { gold: 5 } } })
    async run() {}
  }

  @Injectable()
  class AdaptiveNotBoolean {
    @JobHandler(Plain, { adaptiveBatching: 'no' as never })
    async run() {}
  }

  @Injectable()
  class AdaptiveBatchHandler {
    @JobHandler(Plain, { batchSize: 10, adaptiveBatching: true })
    async run() {}
  }

  @Injectable()
  class AdaptiveWithGroups {
    @JobHandler(Plain, { concurrency: 2, groupConcurrency: 1, adaptiveBatching: true })
    async run() {}
  }

  @Injectable()
  class AdaptiveSingleton {
    @JobHandler(Plain, { policy: 'singleton', adaptiveBatching: true })
    async run() {}
  }

  it.each([
    ['localGroupConcurrency above concurrency (was a raw pg-boss AssertionError)', GroupLimitAboveConcurrency,
      /^Invalid options for GroupLimitAboveConcurrency\.run \(queue "plain"\): localGroupConcurrency 2 exceeds concurrency \(1\): .*raise concurrency or lower the limit\.$/],
    ['a localGroupConcurrency tier above concurrency', TierAboveConcurrency, /localGroupConcurrency \{ default: 1, tiers: \{ "gold": 5 \} \} exceeds concurrency \(4\)/],
    ['adaptiveBatching that is not a boolean', AdaptiveNotBoolean, /adaptiveBatching must be true or false, got "no"/],
    ['adaptiveBatching: true on a batch handler', AdaptiveBatchHandler, /adaptiveBatching: true cannot apply to a batch handler \(batchSize\)/],
    ['adaptiveBatching: true with a group limit', AdaptiveWithGroups, /adaptiveBatching: true cannot apply to group limits/],
    ['adaptiveBatching: true on a singleton queue', AdaptiveSingleton, /adaptiveBatching: true cannot apply to the "singleton" policy/],
  ] as const)('bootstrap refuses %s, naming the handler and creating no table', async (_label, provider, message) => {
    const s = schema('workeropts');
    const error = await createApp(s, { providers: [provider] }).then(...refusal('bootstrap should have failed'));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(message);
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [s])).toEqual([]);
  });
});

describe('handlers that misbehave', () => {
  const NonError = defineJob<{ kind: string }>('non-error', { retryLimit: 1, retryDelay: 0 });
  const Hangs = defineJob<{ n: number }>('hangs', { expireInSeconds: 1, retryLimit: 1, retryDelay: 0 });
  const Poison = defineJob<{ poison: boolean; n: number }>('poison', {
    retryLimit: 2,
    retryDelay: 1,
    deadLetter: 'poison.dead',
  });
  const thrown: Record<string, unknown> = {
    string: 'gateway said no',
    undefined: undefined,
    null: null,
    object: { code: 'E_LIMIT', retryIn: 30 },
    number: 42,
  };

  @Injectable()
  class Misbehaving {
    readonly hangStarts: Array<{ n: number; attempt: number }> = [];
    readonly completed = new Map<number, number>();
    readonly poisonAttempts: number[] = [];

    @JobHandler(NonError)
    async nonError(job: Job<{ kind: string }>) {
      throw thrown[job.data.kind];
    }

    // Never settles and ignores its signal. One slot: pg-boss fails the job at its expiry, and the
    // runner stops waiting for the handler 2 s later (ABANDON_AFTER_ABORT_MS), so the same slot runs
    // the retry.
    @JobHandler(Hangs)
    hangs(job: Job<{ n: number }>) {
      this.hangStarts.push({ n: job.data.n, attempt: job.attempt });
      if (job.data.n === 1 && job.attempt === 1) return new Promise(() => undefined);
      return Promise.resolve({ attempt: job.attempt });
    }

    @JobHandler(Poison)
    async poison(job: Job<{ poison: boolean; n: number }>) {
      if (job.data.poison) {
        this.poisonAttempts.push(Date.now());
        throw new Error('poison');
      }
      this.completed.set(job.data.n, Date.now());
    }
  }

  const schema = uniqueSchema('misbehave');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handlers: Misbehaving;

  const warnings: string[] = [];
  const errors: string[] = [];
  const logger = {
    log() {},
    error: (message: unknown) => void errors.push(String(message)),
    warn: (message: unknown) => void warnings.push(String(message)),
  };

  beforeAll(async () => {
    // A short shutdown grace: the handler that never settles is still running at close.
    app = await createApp(schema, { providers: [Misbehaving], jobs: { logger, shutdownTimeoutMs: 500 } });
    jobs = app.get(JobsService);
    handlers = app.get(Misbehaving);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it.each([
    ['a string', 'string', { name: 'NonError', message: 'gateway said no' }],
    ['undefined', 'undefined', { name: 'NonError', message: 'undefined' }],
    ['null', 'null', { name: 'NonError', message: 'null' }],
    ['a plain object', 'object', { name: 'NonError', message: '{"code":"E_LIMIT","retryIn":30}' }],
    ['a number', 'number', { name: 'NonError', message: '42' }],
  ])('retries a job whose handler throws %s, and records it readably', async (_label, kind, output) => {
    const events: JobEvent[] = [];
    const sub = jobs.events$.subscribe((e) => events.push(e));
    try {
      const id = await jobs.send(NonError, { kind });
      const failed = await waitFor(async () => {
        const job = await jobs.getJob(NonError, id!);
        return job?.state === 'failed' ? job : undefined;
      }, { message: `the ${kind} job to fail for good` });
      expect(failed.retryCount).toBe(1);
      expect(failed.output).toEqual(output);
      // Outcome events fire once pg-boss has recorded the outcome: just after the database shows it.
      await waitFor(() => events.filter((e) => e.jobId === id && e.type === 'failed').length === 2, { message: 'the second failed event' });
      expect(events.filter((e) => e.jobId === id).map((e) => e.type)).toEqual([
        'started', 'failed', 'retried', 'started', 'failed',
      ]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('times out a handler that never settles and ignores its signal: the job is failed and retried, and its one slot keeps running', async () => {
    const hung = await jobs.send(Hangs, { n: 1 });
    const done = await waitFor(async () => {
      const job = await jobs.getJob(Hangs, hung!);
      return job?.state === 'completed' ? job : undefined;
    }, { message: 'the hung job to complete on its retry', timeoutMs: 30_000 });
    expect(done.output).toEqual({ attempt: 2 });
    // The worker slot that ran it is not stuck: a later job runs at once.
    const next = await jobs.send(Hangs, { n: 2 });
    await waitFor(async () => (await jobs.getJob(Hangs, next!))?.state === 'completed', { message: 'the next job' });
    expect(handlers.hangStarts).toEqual([
      { n: 1, attempt: 1 },
      { n: 1, attempt: 2 },
      { n: 2, attempt: 1 },
    ]);
    expect(errors).toContainEqual(
      `The handler of hangs ${hung} was still running 2000 ms after its job's signal aborted (timeout, cancel or shutdown): ` +
        'its worker slot moves on to the next job, and the handler runs on in the background, since Node cannot stop it. ' +
        'Stop the handler on job.signal (pass it to fetch, your HTTP client, or check signal.aborted in loops).',
    );
  });

  it('dead-letters a poison job after its retries while the jobs behind it complete', async () => {
    const poison = await jobs.send(Poison, { poison: true, n: 0 });
    const good = await jobs.sendMany(Poison, Array.from({ length: 20 }, (_, i) => ({ data: { poison: false, n: i + 1 } })));
    const dead = await waitFor(async () => (await jobs.getDeadLetters(Poison)).find((j) => j.sourceId === poison), {
      message: 'the poison job to reach poison.dead',
      timeoutMs: 30_000,
    });
    expect(dead.data).toEqual({ poison: true, n: 0 });
    expect(handlers.poisonAttempts).toHaveLength(3);
    const states = await Promise.all(good.map((id) => jobs.getJob(Poison, id)));
    expect(states.every((j) => j?.state === 'completed')).toBe(true);
    // Every good job finished before the poison job's last attempt: its retries never held them up.
    expect(Math.max(...handlers.completed.values())).toBeLessThan(handlers.poisonAttempts[2]!);
    expect((await jobs.getJob(Poison, poison!))?.state).toBe('failed');
  });
});

// Issue 11, 1b.2-1b.4, 1b.7, 1b.9: values PostgreSQL must index, startAfter, per-send dead-letter
// targets, lookups, flow refs, and a row PostgreSQL refuses inside a shared INSERT.
describe('bad input that reached PostgreSQL or pg-boss raw: indexed keys, startAfter, dead letters, lookups', () => {
  const Emails = defineJob<{ to: string }>('emails', { deadLetter: 'emails.dead', retryLimit: 0 });
  const Refunds = defineJob<{ orderId: string; cents: number }>('refunds', { deadLetter: 'refunds.dead' });
  const Grouped = defineJob<{ n: number }>('grouped');
  const schema = uniqueSchema('bad_input_raw');
  // Random base64 does not compress: its bytes are what an index row holds.
  const random = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);
  const DAY_MS = 86_400_000;

  @Injectable()
  class Recorder {
    readonly refunds: unknown[] = [];
    readonly grouped: Array<{ n: number; group: string | undefined }> = [];

    @JobHandler(Emails)
    async emails() {
      throw new Error('mail server down');
    }

    @JobHandler(Refunds)
    async refund(job: Job<{ orderId: string; cents: number }>) {
      this.refunds.push(job.data);
    }

    @JobHandler(Grouped)
    async group(job: Job<{ n: number }>) {
      this.grouped.push({ n: job.data.n, group: (job as { groupId?: string }).groupId });
    }
  }

  let app: INestApplicationContext;
  let jobs: JobsService;
  let recorder: Recorder;

  const counts = () => rowCounts(schema);

  beforeAll(async () => {
    app = await createApp(schema, { providers: [Recorder] });
    jobs = app.get(JobsService);
    recorder = app.get(Recorder);
    await jobs.send(Grouped, { n: 0 }, { startAfter: 3600 });
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  const F = flowStep;
  const cases: Case[] = [
    // 1b.2: text PostgreSQL indexes (pg-boss's job_i7 on group_id, job_i10/i17 on singleton_key, the schedule key)
    ['a 4 KB group id (stored, it would fail every fetch of the queue)', (j) => j.send(Grouped, { n: 1 }, { group: { id: random(4096) } }), JobValidationError, /^Invalid options for JobsService\.send of job "grouped": group id must be at most 1024 bytes of UTF-8 \(PostgreSQL indexes it; send a hash of a longer value\), got 4096 bytes\. Nothing was sent\.$/],
    ['a 4 KB singletonKey', (j) => j.send(Grouped, { n: 1 }, { singletonKey: random(4096) }), JobValidationError, /singletonKey must be at most 1024 bytes of UTF-8 .*, got 4096 bytes/],
    ['a singletonKey of 1,025 bytes in 513 characters', (j) => j.send(Grouped, { n: 1 }, { singletonKey: `${'é'.repeat(512)}x` }), JobValidationError, /singletonKey must be at most 1024 bytes of UTF-8 .*, got 1025 bytes/],
    ['a singletonKey with a NUL character', (j) => j.send(Grouped, { n: 1 }, { singletonKey: 'order\u00001' }), JobValidationError, /singletonKey must not contain the NUL character/],
    ['a 4 KB throttle key', (j) => j.send(Grouped, { n: 1 }, { throttle: { seconds: 60, key: random(4096) } }), JobValidationError, /throttle key must be at most 1024 bytes/],
    ['a 4 KB debounce key', (j) => j.send(Grouped, { n: 1 }, { debounce: { seconds: 60, key: random(4096) } }), JobValidationError, /debounce key must be at most 1024 bytes/],
    ['a 4 KB group tier', (j) => j.send(Grouped, { n: 1 }, { group: { id: 'g', tier: random(4096) } }), JobValidationError, /group tier must be at most 1024 bytes/],
    ['sendMany: a 4 KB singletonKey on one job', (j) => j.sendMany(Grouped, [{ data: { n: 1 } }, { data: { n: 2 }, options: { singletonKey: random(4096) } }]), JobValidationError, /^Invalid options for JobsService\.sendMany \(jobs\[1\]\) of job "grouped": singletonKey must be at most 1024 bytes/],
    ['flow: a 4 KB group id on one step', (j) => j.flow([F('a', Grouped, { n: 1 }, { group: { id: random(4096) } }), F('b', Grouped, { n: 2 }, { dependsOn: ['a'] })]), JobValidationError, /^Invalid options for JobsService\.flow \(step "a"\) of job "grouped": group id must be at most 1024 bytes/],
    ['schedule: a key of 256 characters', (j) => j.schedule(Grouped, '0 3 * * *', { n: 1 }, { key: 'k'.repeat(256) }), JobValidationError, /key may only contain .*at most 255 characters .*\(256 characters\)/],
    // 1b.4: startAfter, parsed and bounded here rather than by PostgreSQL
    ['startAfter "2026-01-01 infinity" (a job that never runs)', (j) => j.send(Grouped, { n: 1 }, { startAfter: '2026-01-01 infinity' }), JobValidationError, /startAfter must be seconds from now \(a finite number >= 0\), a valid Date or an ISO 8601 date string such as "2026-05-01T09:00:00Z" .*, got "2026-01-01 infinity"/],
    ['startAfter "2026-01-01 epoch" (a job that runs at once)', (j) => j.send(Grouped, { n: 1 }, { startAfter: '2026-01-01 epoch' }), JobValidationError, /ISO 8601 date string such as/],
    ['startAfter 1e12 seconds (year 33715)', (j) => j.send(Grouped, { n: 1 }, { startAfter: 1e12 }), JobValidationError, /startAfter must be at most 31622400 seconds \(366 days\) ahead \(seconds, not milliseconds\), got 1000000000000/],
    ['startAfter 1e21 (an exponent PostgreSQL cannot read)', (j) => j.send(Grouped, { n: 1 }, { startAfter: 1e21 }), JobValidationError, /at most 31622400 seconds/],
    ['startAfter at hour 25 (22008 before)', (j) => j.send(Grouped, { n: 1 }, { startAfter: '2026-01-01T25:00:00' }), JobValidationError, /ISO 8601 date string/],
    ['startAfter with trailing words (22007 before)', (j) => j.send(Grouped, { n: 1 }, { startAfter: '2026-01-01 xx' }), JobValidationError, /ISO 8601 date string/],
    ['startAfter as a numeric string', (j) => j.send(Grouped, { n: 1 }, { startAfter: '30' }), JobValidationError, /seconds go as a number/],
    ['startAfter two years ahead', (j) => j.send(Grouped, { n: 1 }, { startAfter: new Date(Date.now() + 730 * DAY_MS) }), JobValidationError, /startAfter must be at most 31622400 seconds \(366 days\) ahead, got a Date \(20/],
    ['startAfter before 1970', (j) => j.send(Grouped, { n: 1 }, { startAfter: '1969-07-20T20:17:00Z' }), JobValidationError, /startAfter must not be before 1970-01-01T00:00:00Z/],
    ['flow: startAfter "epoch" on one step', (j) => j.flow([F('a', Grouped, { n: 1 }, { startAfter: '2026-01-01 epoch' }), F('b', Grouped, { n: 2 }, { dependsOn: ['a'] })]), JobValidationError, /^Invalid options for JobsService\.flow \(step "a"\) of job "grouped": startAfter must be/],
    // 1b.7: a per-send dead-letter queue must be a dead-letter queue
    ['a deadLetter that is another queue with a handler', (j) => j.send(Emails, { to: 'a@example.com' }, { deadLetter: 'refunds' }), JobValidationError, /^Invalid options for JobsService\.send of job "emails": deadLetter "refunds" is not a dead-letter queue: a send may only name "emails"'s own \("emails\.dead"\) or a queue that some definition declares as its deadLetter, so that a failed job cannot land in another queue's handler\./],
    ['a deadLetter no queue declares', (j) => j.send(Grouped, { n: 1 }, { deadLetter: 'nowhere' }), JobValidationError, /deadLetter "nowhere" is not a dead-letter queue: a send may only name a queue that some definition declares/],
    ['sendMany: a deadLetter that is another queue', (j) => j.sendMany(Emails, [{ data: { to: 'a' } }, { data: { to: 'b' }, options: { deadLetter: 'refunds' } }]), JobValidationError, /^Invalid options for JobsService\.sendMany \(jobs\[1\]\) of job "emails": deadLetter "refunds" is not a dead-letter queue/],
    ['flow: a deadLetter that is another queue', (j) => j.flow([F('a', Emails, { to: 'a' }, { deadLetter: 'grouped' }), F('b', Grouped, { n: 2 }, { dependsOn: ['a'] })]), JobValidationError, /^Invalid options for JobsService\.flow \(step "a"\) of job "emails": deadLetter "grouped" is not a dead-letter queue/],
    ['schedule: a deadLetter that is another queue', (j) => j.schedule(Emails, '0 3 * * *', { to: 'a' }, { deadLetter: 'refunds' }), JobValidationError, /^Invalid options for JobsService\.schedule of job "emails": deadLetter "refunds" is not a dead-letter queue/],
    // 1b.9: lookups, ids and flow refs
    ['findJobs: an empty id list (22P02 before)', (j) => j.findJobs(Grouped, { id: [] as never }), JobValidationError, /^Invalid options for JobsService\.findJobs on "grouped": id must be one job id, not a list \(call getJob for each id\), got an array of 0 items\. Nothing was read or changed\.$/],
    ['findJobs: a list of ids', (j) => j.findJobs(Grouped, { id: [A_UUID] as never }), JobValidationError, /id must be one job id, not a list/],
    ['findJobs: a BigInt in data (a bare TypeError before)', (j) => j.findJobs(Grouped, { data: { n: 1n } }), JobValidationError, /^Invalid options for JobsService\.findJobs on "grouped": data\.n is a BigInt/],
    ['findJobs: limit 0 (a pg-boss assertion before)', (j) => j.findJobs(Grouped, { limit: 0 }), JobValidationError, /limit must be an integer from 1 to 100000, got 0/],
    ['findJobs: an after that is no uuid', (j) => j.findJobs(Grouped, { after: 'x' }), JobValidationError, /after must be the id \(a uuid\) of the last job of the previous page/],
    ['findJobs: a misspelt option (ignored before: every job matched)', (j) => j.findJobs(Grouped, { ids: [A_UUID] } as never), JobValidationError, /unknown option "ids" \(known: id, key, queued, limit, after, db, state, data\)/],
    ['getDeadLetters: an id that is no uuid (22P02 before)', (j) => j.getDeadLetters(Emails, { id: 'x' }), JobValidationError, /^Invalid options for JobsService\.getDeadLetters on "emails": id must be a job id \(a uuid\), got "x"/],
    ['getDeadLetters: a negative limit', (j) => j.getDeadLetters(Emails, { limit: -1 }), JobValidationError, /limit must be an integer from 1 to 100000, got -1/],
    ['redrive: an empty id list (a pg-boss assertion before)', (j) => j.redrive(Emails, { ids: [] }), JobValidationError, /^Invalid options for JobsService\.redrive on "emails": ids must be a non-empty array of job ids/],
    ['redrive: an id that is no uuid (22P02 before)', (j) => j.redrive(Emails, { ids: ['x'] }), JobValidationError, /ids \[0\] must be a job id \(a uuid\), got "x"/],
    ['redrive: limit 1e20 (22003 before)', (j) => j.redrive(Emails, { limit: 1e20 }), JobValidationError, /limit must be an integer from 1 to 2147483647/],
    ['redrive: a BigInt in data', (j) => j.redrive(Emails, { data: { n: 1n } }), JobValidationError, /data\.n is a BigInt/],
    ['redrive: an invalid createdBefore', (j) => j.redrive(Emails, { createdBefore: new Date('x') }), JobValidationError, /createdBefore must be a valid Date/],
    ['redrive: another queue as destination', (j) => j.redrive(Emails, { destination: 'refunds' }), JobValidationError, /destination must be "emails" if given/],
    ['cancel: an empty id list (a pg-boss assertion before)', (j) => j.cancel(Grouped, []), JobValidationError, /^JobsService\.cancel on "grouped": the list of job ids is empty\./],
    ['resume: an empty id list', (j) => j.resume(Grouped, []), JobValidationError, /JobsService\.resume on "grouped": the list of job ids is empty/],
    ['retry: an empty id list', (j) => j.retry(Grouped, []), JobValidationError, /JobsService\.retry on "grouped": the list of job ids is empty/],
    ['flow: a ref "__proto__" (22P02 before)', (j) => j.flow([F('__proto__', Grouped, { n: 1 }), F('b', Grouped, { n: 2 }, { dependsOn: ['__proto__'] })]), JobValidationError, /^Invalid options for JobsService\.flow of job "\(flow\)": step 0 ref "__proto__" cannot name a step/],
    ['flow: two steps with one ref', (j) => j.flow([F('a', Grouped, { n: 1 }), F('a', Grouped, { n: 2 }, { dependsOn: ['a'] })]), JobValidationError, /steps share the ref "a"/],
    ['flow: a ref that is no string', (j) => j.flow([F(1 as never, Grouped, { n: 1 }), F('b', Grouped, { n: 2 }, { dependsOn: ['1'] })]), JobValidationError, /step 0 ref must be a non-empty string, got 1/],
  ];

  it.each(cases)('refuses %s, writing nothing', async (_label, call, type, message) => {
    const before = await counts();
    const error = await call(jobs).then(...refusal('expected the call to be refused'));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('keeps the queue running: after a refused 4 KB group id, jobs with a key and a group id at the limit are fetched and run', async () => {
    await expect(jobs.send(Grouped, { n: 10 }, { group: { id: random(4096) } })).rejects.toThrow(JobValidationError);
    // At the limit, incompressible: the largest index rows a send can now make.
    const group = random(1024);
    const id = await jobs.send(Grouped, { n: 11 }, { group: { id: group, tier: random(1024) }, singletonKey: random(1024) });
    const next = await jobs.send(Grouped, { n: 12 });
    await waitFor(async () => (await jobs.getJob(Grouped, next!))?.state === 'completed', { message: 'the job sent after' });
    expect((await jobs.getJob(Grouped, id!))?.state).toBe('completed');
    expect(recorder.grouped.map((g) => g.n)).toEqual(expect.arrayContaining([11, 12]));
  });

  it('rejects only the caller whose payload PostgreSQL refuses among concurrent sends, with a JobValidationError', async () => {
    const before = await counts();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) => jobs.send(Grouped, n === 3 ? ({ n: 100 + n, note: 'a\u0000b' } as never) : { n: 100 + n }, { startAfter: 3600 })),
    );
    const [error] = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[3]!.status).toBe('rejected');
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error!.message).toBe(
      'JobsService.send of job "grouped": PostgreSQL refused the job\'s values (unsupported Unicode escape sequence (SQLSTATE 22P05)). Nothing was sent.',
    );
    expect((await counts()).jobs).toBe(before.jobs + 5);
  });

  it('rejects only the caller whose payload PostgreSQL refuses inside a shared INSERT, with a JobValidationError', async () => {
    // Without startAfter, concurrent sends share one INSERT; the bad row fails it and each is sent again alone.
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) => jobs.send(Grouped, n === 3 ? ({ n: 200 + n, note: '\u0000' } as never) : { n: 200 + n })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(JobValidationError);
    expect((results[3] as PromiseRejectedResult).reason.message).toMatch(/PostgreSQL refused the job's values \(unsupported Unicode escape sequence \(SQLSTATE 22P05\)\)/);
  });

  it('stores startAfter as the instant it names: offsets applied, zone-less strings read as UTC', async () => {
    const day = new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10);
    const ids = await Promise.all([
      jobs.send(Grouped, { n: 20 }, { startAfter: `${day}T10:00:00+02:00` }),
      jobs.send(Grouped, { n: 21 }, { startAfter: `${day} 10:00` }),
      jobs.send(Grouped, { n: 22 }, { startAfter: day }),
    ]);
    const stored = await Promise.all(ids.map((id) => jobs.getJob(Grouped, id!)));
    expect(stored.map((job) => new Date(job!.startAfter).toISOString())).toEqual([
      `${day}T08:00:00.000Z`,
      `${day}T10:00:00.000Z`,
      `${day}T00:00:00.000Z`,
    ]);
    await jobs.cancel(Grouped, ids as string[]);
  });

  it("accepts a per-send deadLetter that is the queue's own or a declared dead-letter queue, and routes the failed job there", async () => {
    const own = await jobs.send(Emails, { to: 'own@example.com' }, { deadLetter: 'emails.dead' });
    const other = await jobs.send(Emails, { to: 'other@example.com' }, { deadLetter: 'refunds.dead' });
    const dead = await waitFor(
      async () => {
        const rows = await sql<{ name: string; source_id: string }>(
          `SELECT name, source_id FROM ${schema}.job WHERE name IN ('emails.dead', 'refunds.dead') AND source_id = ANY($1::uuid[])`,
          [[own, other]],
        );
        return rows.length === 2 ? rows : undefined;
      },
      { message: 'both failed jobs to reach their dead-letter queues' },
    );
    expect(new Map(dead.map((r) => [r.source_id, r.name]))).toEqual(new Map([[own, 'emails.dead'], [other, 'refunds.dead']]));
    // Never the refunds handler.
    expect(recorder.refunds).toEqual([]);
  });
});

describe('bad input at bootstrap: JobsModule imported twice', () => {
  const schema = schemasDroppedAfterAll();

  it('fails bootstrap with a JobsConfigurationError before connecting, instead of starting every handler twice', async () => {
    const [first, second] = [schema('twice_a'), schema('twice_b')];
    const started: string[] = [];
    @Injectable()
    class Counted {
      @JobHandler(Plain)
      async plain() {
        started.push('plain');
      }
    }
    @Module({ imports: [JobsModule.forRoot({ connectionString: databaseUrl(), schema: second, logger: false, startAttempts: 1 })] })
    class FeatureWithItsOwnJobsModule {}
    @Module({
      imports: [
        JobsModule.forRoot({ connectionString: databaseUrl(), schema: first, logger: false, startAttempts: 1 }),
        FeatureWithItsOwnJobsModule,
      ],
      providers: [Counted],
    })
    class TwiceApp {}
    const error = await bootstrapError(NestFactory.createApplicationContext(TwiceApp, { logger: false, abortOnError: false }));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(
      /^JobsModule is imported 2 times in this application \(forRoot or forRootAsync, with schemas "t_twice_(a|b)_\w+", "t_twice_(a|b)_\w+"\): each would start every handler.* Import it once, in the root module/,
    );
    // Nothing was written: neither schema was created.
    const created = await sql(`SELECT nspname FROM pg_namespace WHERE nspname IN ($1, $2)`, [first, second]);
    expect(created).toEqual([]);
    expect(started).toEqual([]);
  });
});

describe('hostile input: bounded payload checks, the configured size limit, safe messages, long queue names', () => {
  const schema = uniqueSchema('hostile');
  const SchemaBlob = defineJob('schema-blob', { schema: z.object({ blob: z.string() }) });
  const PlainBlob = defineJob<{ blob: string }>('plain-blob');
  const FOUR_MIB = 4 * ONE_MIB;

  @Injectable()
  class BlobHandlers {
    readonly received = new Map<string, number>();

    @JobHandler(SchemaBlob)
    async schemaBlob(job: Job<{ blob: string }>) {
      this.received.set(job.id, job.data.blob.length);
    }

    @JobHandler(PlainBlob)
    async plainBlob(job: Job<{ blob: string }>) {
      this.received.set(job.id, job.data.blob.length);
    }
  }

  const errors: string[] = [];
  const logger = { log() {}, warn() {}, error: (message: unknown) => void errors.push(String(message)) };
  let app: INestApplicationContext;
  let jobs: JobsService;
  let blobs: BlobHandlers;

  const counts = () => rowCounts(schema);
  /** The call's rejection, after checking that it wrote nothing. */
  const refused = async (call: () => Promise<unknown>): Promise<Error> => {
    const before = await counts();
    const error = await call().then(...refusal('expected the call to be refused'));
    expect(await counts()).toEqual(before);
    return error;
  };
  // The coalescer is private to JobsService's pg-boss backend; its size is what 1b.8 is about.
  const coalescerQueues = () =>
    (jobs as unknown as { backend: { coalescer: { activeQueues: number } } }).backend.coalescer.activeQueues;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [Handlers, BlobHandlers], jobs: { maxPayloadBytes: FOUR_MIB, logger } });
    jobs = app.get(JobsService);
    blobs = app.get(BlobHandlers);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('refuses a payload nested 3,000 levels deep around thousands of objects, and goes on sending', async () => {
    let hostile: unknown = Array.from({ length: 5_000 }, () => ({}));
    for (let i = 0; i < 3_000; i++) hostile = { a: hostile };
    const error = await refused(() => jobs.send(Plain, hostile as Record<string, unknown>));
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(/^Invalid payload for job "plain": payload(\.a){8}…\(116 more\)(\.a){4} is nested 129 levels deep, deeper than the 128 levels a payload may have/);
    // The process lives and the module still works.
    await expect(jobs.send(Plain, { after: 'hostile' }, { startAfter: 3600 })).resolves.toEqual(expect.any(String));
  });

  it.each([
    ['with a schema', SchemaBlob],
    ['without a schema', PlainBlob],
  ] as const)('runs a 1.5 MB job %s when maxPayloadBytes allows 4 MiB, instead of dead-lettering it', async (_label, definition) => {
    const size = 1_500_000;
    const id = await jobs.send(definition, { blob: 'x'.repeat(size) });
    const done = await waitFor(async () => {
      const job = await jobs.getJob(definition, id!);
      return job && ['completed', 'failed'].includes(job.state) ? job : undefined;
    }, { message: 'the 1.5 MB job to settle' });
    expect(done.state).toBe('completed');
    expect(blobs.received.get(id!)).toBe(size);
    expect(errors.filter((line) => line.includes(id!))).toEqual([]);
  });

  it('still refuses a payload over the configured limit at send', async () => {
    const error = await refused(() => jobs.send(PlainBlob, { blob: 'x'.repeat(FOUR_MIB) }));
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(/^Payload of job "plain-blob" is over the 4194304-byte limit/);
  });

  it('describes a pg Pool or Client passed as db by its type, never by its contents', async () => {
    const secrets = ['S3cret-pw-1b6', 'app_user_1b6', 'db-1b6.internal', 'appdb_1b6'];
    // Neither connects: pg connects on the first query.
    const pool = new pg.Pool({ connectionString: 'postgres://app_user_1b6:S3cret-pw-1b6@db-1b6.internal:5432/appdb_1b6' });
    const client = new pg.Client({ user: 'app_user_1b6', password: 'S3cret-pw-1b6', host: 'db-1b6.internal', database: 'appdb_1b6' });
    try {
      // pg's Pool class is named BoundPool.
      for (const [db, type] of [[pool, 'BoundPool'], [client, 'Client']] as const) {
        const error = await refused(() => jobs.send(Plain, {}, { db: db as never }));
        expect(error).toBeInstanceOf(JobValidationError);
        expect(error.message).toBe(
          'Invalid options for JobsService.send of job "plain": db must be a transaction adapter with executeSql(text, values) ' +
            `(fromPg, fromTypeOrm, fromKnex...); wrap a pg Pool or client with fromPg(pool), got an instance of ${type}. Nothing was sent.`,
        );
        for (const secret of secrets) expect(`${error.message}\n${error.stack}`).not.toContain(secret);
      }
    } finally {
      await pool.end();
    }
  });

  it('cuts a 50 MB string given as priority to a short quote with its length', async () => {
    const error = await refused(() => jobs.send(Plain, {}, { priority: '9'.repeat(50 * ONE_MIB) as never }));
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(/priority must be an integer between -2147483648 and 2147483647, got "9{120}…" \(52428800 characters\)\. Nothing was sent\.$/);
    expect(error.message.length).toBeLessThan(400);
  });

  it.each([
    ['an unknown option key', (j: JobsService) => j.send(Plain, {}, { 'priorty\nERROR [JobsModule] fake line': 1 } as never), /unknown option "priorty\\nERROR \[JobsModule\] fake line" \(known:/],
    ['a throttle field', (j: JobsService) => j.send(Plain, {}, { throttle: { seconds: 1, 'k\r\ney': 1 } as never }), /throttle has unknown field\(s\) "k\\r\\ney"/],
    ['a flow step ref', (j: JobsService) => j.flow([flowStep('a\nb', Plain, {}, { startAfter: -1 })]), /JobsService\.flow \(step "a\\nb"\)/],
    ['a cron expression', (j: JobsService) => j.schedule(Plain, `0 3 * * *\u001b[2K\n${'x'.repeat(100_000)}`), /cron "0 3 \* \* \*\\u001b\[2K\\nx+…" \(100014 characters\) is over the 4096-character limit/],
    ['a long payload key', (j: JobsService) => j.send(Plain, { [`a\nERROR fake${'x'.repeat(5_000)}`]: 1n }), /payload\["a\\nERROR fakex+…" \(5012 characters\)\] is a BigInt/],
  ])('escapes line breaks and control characters in %s', async (_label, call, message) => {
    const error = await refused(() => call(jobs));
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/[\n\r\u001b]/);
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('refuses a 20 KB queue name before doing anything with it', async () => {
    const name = 'q'.repeat(20_000);
    const error = await refused(() => jobs.send(name, {}));
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toBe(
      `Invalid options for JobsService.send: queue name "${'q'.repeat(40)}…" (20000 characters) is longer than 255 characters. ` +
        'PostgreSQL indexes the name with each job; use a short, fixed name and put the variable part in the payload.',
    );
    expect(coalescerQueues()).toBe(0);
  });

  it('keeps nothing per queue name after sends to 2,000 distinct unknown queues', async () => {
    const names = Array.from({ length: 2_000 }, (_, i) => `unknown-${i}-${'n'.repeat(200)}`);
    for (let i = 0; i < names.length; i += 200) {
      const results = await Promise.allSettled(names.slice(i, i + 200).map((name) => jobs.send(name, { i })));
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(JobsConfigurationError);
        expect(((result as PromiseRejectedResult).reason as Error).message).toMatch(/^Queue "unknown-\d+-n+" does not exist\./);
      }
    }
    expect(coalescerQueues()).toBe(0);
    // A known queue's entry lives only while its sends are in flight.
    await Promise.all(Array.from({ length: 50 }, (_, i) => jobs.send(Plain, { i }, { startAfter: 3600 })));
    await waitFor(() => coalescerQueues() === 0, { message: 'the coalescer to forget the idle queue' });
  });
});

describe('bad input: schedule expressions run otherwise than written, or too long to parse', () => {
  const fx = handlersApp('bad_schedule');
  const { counts } = fx;

  // An RRULE of 1.3 MB (a long EXDATE list): pg-boss took about 5 s to parse it, synchronously, in
  // schedule() and then on every scheduler pass.
  const hugeRule = `FREQ=DAILY;BYHOUR=9\nEXDATE:${'20270101T090000,'.repeat(82_000)}20270102T090000`;

  it.each([
    ["@nestjs/schedule's EVERY_30_SECONDS (pg-boss would send one job a minute)", '*/30 * * * * *', {}, /^Invalid schedule for job "plain": cron "\*\/30 \* \* \* \* \*" fires more than once a minute \(six fields: the first is seconds\), but a schedule's resolution is one minute: .*Write five fields .*\. Nothing was scheduled\.$/],
    ['a six-field cron with a seconds list', '0,20,40 * * * * *', {}, /cron "0,20,40 \* \* \* \* \*" fires more than once a minute/],
    ['an RRULE every 15 seconds', 'FREQ=SECONDLY;INTERVAL=15', {}, /^Invalid schedule for job "plain": rrule "FREQ=SECONDLY;INTERVAL=15" fires more than once a minute .*Use FREQ=MINUTELY or coarser/],
    ['an RRULE with several BYSECOND values', 'FREQ=MINUTELY;BYSECOND=0,30', {}, /rrule "FREQ=MINUTELY;BYSECOND=0,30" fires more than once a minute/],
    ['a 1.3 MB RRULE, at once', hugeRule, {}, /^Invalid schedule for job "plain": cron "FREQ=DAILY;BYHOUR=9\\nEXDATE:.*…" \(1312042 characters\) is over the 4096-character limit: .* Nothing was scheduled\.$/],
    ['a key under the prefix @Recurring owns', '0 3 * * *', { key: `${RECURRING_SCHEDULE_KEY}/nightly` }, /key "nest-pg-jobs\.recurring\/nightly" is reserved for @Recurring schedules/],
  ] as const)('schedule() refuses %s, writing nothing', async (_label, cron, options, message) => {
    const before = await counts();
    const started = performance.now();
    const error = await fx.jobs.schedule(Plain, cron, {}, options).then(...refusal('expected schedule() to refuse'));
    // The refusal never parses a long expression: a length check, not seconds of blocked event loop.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('schedules what pg-boss runs as written: a six-field cron with one second, an RRULE, after the refusals', async () => {
    await fx.jobs.schedule(Plain, '0 */5 * * * *', { n: 1 }, { key: 'five-minutes' });
    await fx.jobs.schedule(Plain, 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYSECOND=30', { n: 2 }, { key: 'weekly', tz: 'Europe/Berlin' });
    const stored = await fx.jobs.boss.getSchedules('plain');
    expect(stored.map((x) => [x.key, x.cron]).sort()).toEqual([
      ['five-minutes', '0 */5 * * * *'],
      ['weekly', 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYSECOND=30'],
    ]);
    await fx.jobs.unschedule(Plain, 'five-minutes');
    await fx.jobs.unschedule(Plain, 'weekly');
  });
});

describe('bad input at lookups and job commands: unknown queues, a vanished page anchor, echoed flow refs', () => {
  const fx = handlersApp('bad_lookup', { seed: true });
  const { counts } = fx;

  it.each([
    ['findJobs on a queue that does not exist', (j) => j.findJobs(Undeclared, { key: 'k' }), JobsConfigurationError, /^Queue "undeclared" does not exist\. Declare a handler for it/],
    ['getJob on a queue that does not exist', (j) => j.getJob(Undeclared, A_UUID), JobsConfigurationError, /^Queue "undeclared" does not exist\./],
    ['cancel on a queue that does not exist', (j) => j.cancel(Undeclared, A_UUID), JobsConfigurationError, /^Queue "undeclared" does not exist\./],
    ['resume on a queue that does not exist', (j) => j.resume(Undeclared, A_UUID), JobsConfigurationError, /^Queue "undeclared" does not exist\./],
    ['retry on a queue that does not exist', (j) => j.retry(Undeclared, A_UUID), JobsConfigurationError, /^Queue "undeclared" does not exist\./],
    // pg-boss asserts that the page anchor still exists: a job deleted since the previous page (retention) hit it.
    ['findJobs with an after naming no job', (j) => j.findJobs(Plain, { after: A_UUID }), JobValidationError, /^Invalid options for JobsService\.findJobs on "plain": after "0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d" names no job of the queue .*Nothing was read or changed\.$/],
  ] as Case[])('refuses %s with a named error, writing nothing', (_label, call, type, message) =>
    fx.expectRefused(call, type, message),
  );

  it('escapes a flow ref with a line break in the message of a refused dead-letter target', async () => {
    const before = await counts();
    const error = await fx.jobs
      .flow([flowStep('a\nFAKE LOG LINE', Plain, {}, { deadLetter: 'other' })])
      .then(...refusal('expected flow() to refuse an ordinary queue as deadLetter'));
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(/^Invalid options for JobsService\.flow \(step "a\\nFAKE LOG LINE"\) of job "plain": deadLetter "other" is not a dead-letter queue/);
    expect(error.message).not.toContain('\n');
    expect(await counts()).toEqual(before);
    // The process lives, and the queue takes the next send.
    await expect(fx.jobs.send(Plain, { after: 'refusals' }, { startAfter: 3600 })).resolves.toEqual(expect.any(String));
  });
});
