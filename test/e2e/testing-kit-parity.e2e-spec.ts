// Issue 12: the testing kit must refuse what JobsModule refuses, with the same error. Each row is fed
// to the real module (JobsModule.forRoot on PostgreSQL) and to the testing module (JobsTestingModule)
// built from the same definitions and handlers; the outcomes (accepted, or the error's class and
// message) must be equal.
import { randomBytes } from 'node:crypto';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  defineEvent,
  defineJob,
  flowStep,
  JobHandler,
  JobsConfigurationError,
  JobsService,
  JobValidationError,
  RECURRING_SCHEDULE_KEY,
} from '../../lib/index.js';
import { JobsTestingModule, TestingJobsService } from '../../lib/testing/index.js';
import { createApp, schemasDroppedAfterAll } from '../support/e2e.js';

const Plain = defineJob<Record<string, unknown>>('parity-plain');
const Validated = defineJob('parity-validated', { schema: z.object({ n: z.number().int() }) });
const Emails = defineJob<{ to: string }>('parity-emails', { deadLetter: 'parity-emails.dead' });
const Refunds = defineJob<{ orderId: string }>('parity-refunds', { deadLetter: 'parity-refunds.dead' });
const Grouped = defineJob<{ n: number }>('parity-grouped');
/** A definition nothing in the app declares: neither module creates its queue. */
const Nowhere = defineJob<Record<string, unknown>>('parity-nowhere');
const Signed = defineEvent<{ userId: string }>('parity.signed-up');
const Unheard = defineEvent<{ userId: string }>('parity.unheard');
const Welcome = defineJob<{ userId: string }>('parity-welcome');

@Injectable()
class Handlers {
  @JobHandler(Plain)
  async plain() {}

  @JobHandler(Validated)
  async validated() {}

  @JobHandler(Emails)
  async emails() {}

  @JobHandler(Refunds)
  async refunds() {}

  @JobHandler(Grouped)
  async grouped() {}

  @JobHandler(Welcome, { subscribe: [Signed] })
  async welcome() {}
}

const ONE_MIB = 1024 * 1024;
const FOUR_MIB = 4 * ONE_MIB;
const A_UUID = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';
const DAY_MS = 86_400_000;
// Values built once, so both calls of a row see the same one (messages may echo them).
const random = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);
const KEY_4K = random(4096);
const TWO_YEARS_AHEAD = new Date(Date.now() + 730 * DAY_MS);
const OVER_ONE_MIB = { blob: 'x'.repeat(ONE_MIB) };
const OVER_FOUR_MIB = { blob: 'x'.repeat(FOUR_MIB) };
const ONE_AND_A_HALF_MB = { blob: 'x'.repeat(1_500_000) };
const circular = (() => {
  const node: Record<string, unknown> = { name: 'root', child: {} };
  (node.child as Record<string, unknown>).parent = node;
  return node;
})();
const F = flowStep;
/** Far enough ahead that no accepted job runs during the test. */
const LATER = { startAfter: 3600 };

type Config = 'default' | 'raised';
type Call = (jobs: JobsService) => Promise<unknown>;
/** What the real module does: refuse with this class and a message matching this, or accept. */
type Expected = [type: new (...args: any[]) => Error, message: RegExp] | 'accepted';
type Row = [label: string, call: Call, expected: Expected, config?: Config];

const V = JobValidationError;
const C = JobsConfigurationError;

const sendRows: Row[] = [
  // definitions and queue names
  ['send: a queue name with a space', (j) => j.send('welcome email', {}), [C, /queue name "welcome email" may only contain/]],
  ['send: null in place of a definition', (j) => j.send(null as never, {}), [C, /JobsService\.send takes a job definition/]],
  ['send: a hand-made definition with an SQL-looking name', (j) => j.send({ name: "x'; delete", options: {} } as never, {}), [C, /queue name "x'; delete"/]],
  // options
  ['send: an unknown option', (j) => j.send(Plain, {}, { priorty: 1 } as never), [V, /unknown option "priorty" \(known: id, priority, startAfter/]],
  ['send: options that are not an object', (j) => j.send(Plain, {}, null as never), [V, /options must be an object, got null/]],
  ['send: a priority given as a string', (j) => j.send(Plain, {}, { priority: '5' as never }), [V, /priority must be an integer .*, got "5"/]],
  ['send: priority NaN', (j) => j.send(Plain, {}, { priority: Number.NaN }), [V, /priority must be an integer/]],
  ['send: a priority beyond the int column', (j) => j.send(Plain, {}, { priority: 2 ** 40 }), [V, /priority must be an integer between -2147483648 and 2147483647/]],
  ['send: a fractional priority', (j) => j.send(Plain, {}, { priority: 1.5 }), [V, /priority must be an integer/]],
  ['send: a negative delay', (j) => j.send(Plain, {}, { startAfter: -5 }), [V, /startAfter must be seconds from now/]],
  ['send: an invalid Date', (j) => j.send(Plain, {}, { startAfter: new Date('not a date') }), [V, /startAfter must be .*, got an invalid Date/]],
  ['send: a startAfter string that is no date', (j) => j.send(Plain, {}, { startAfter: 'tomorrow' }), [V, /got "tomorrow"/]],
  ['send: startAfter 1e12 seconds', (j) => j.send(Plain, {}, { startAfter: 1e12 }), [V, /at most 31622400 seconds \(366 days\) ahead \(seconds, not milliseconds\)/]],
  ['send: startAfter two years ahead', (j) => j.send(Plain, {}, { startAfter: TWO_YEARS_AHEAD }), [V, /startAfter must be at most 31622400 seconds/]],
  ['send: startAfter before 1970', (j) => j.send(Plain, {}, { startAfter: '1969-07-20T20:17:00Z' }), [V, /must not be before 1970/]],
  ['send: a negative retryLimit', (j) => j.send(Plain, {}, { retryLimit: -1 }), [V, /retryLimit must be an integer >= 0/]],
  ['send: expireInSeconds over 24 hours', (j) => j.send(Plain, {}, { expireInSeconds: 86_401 }), [V, /expireInSeconds cannot exceed 86400/]],
  ['send: an id that is not a uuid', (j) => j.send(Plain, {}, { id: 'x' }), [V, /id must be a uuid/]],
  ['send: a 4 KB singletonKey', (j) => j.send(Grouped, { n: 1 }, { singletonKey: KEY_4K }), [V, /singletonKey must be at most 1024 bytes/]],
  ['send: a singletonKey with a NUL character', (j) => j.send(Grouped, { n: 1 }, { singletonKey: 'a\u0000b' }), [V, /singletonKey must not contain the NUL character/]],
  ['send: a 4 KB group id', (j) => j.send(Grouped, { n: 1 }, { group: { id: KEY_4K } }), [V, /group id must be at most 1024 bytes/]],
  ['send: a 4 KB throttle key', (j) => j.send(Grouped, { n: 1 }, { throttle: { seconds: 60, key: KEY_4K } }), [V, /throttle key must be at most 1024 bytes/]],
  ['send: throttle and debounce together', (j) => j.send(Plain, {}, { throttle: { seconds: 5 }, debounce: { seconds: 5 } }), [V, /throttle cannot be combined with debounce/]],
  ['send: a db that is no adapter', (j) => j.send(Plain, {}, { db: {} as never }), [V, /db must be a transaction adapter/]],
  ['send: an SQL-looking deadLetter', (j) => j.send(Plain, {}, { deadLetter: 'x"; drop' }), [V, /deadLetter must be a queue name/]],
  ['send: a deadLetter that is another queue with a handler', (j) => j.send(Emails, { to: 'a' }, { deadLetter: 'parity-refunds' }), [V, /deadLetter "parity-refunds" is not a dead-letter queue: a send may only name "parity-emails"'s own \("parity-emails\.dead"\)/]],
  ['send: a deadLetter no queue declares', (j) => j.send(Grouped, { n: 1 }, { deadLetter: 'nowhere' }), [V, /deadLetter "nowhere" is not a dead-letter queue/]],
  ["send: the queue's own deadLetter", (j) => j.send(Emails, { to: 'a' }, { deadLetter: 'parity-emails.dead', ...LATER }), 'accepted'],
  ['send: a deadLetter another definition declares', (j) => j.send(Emails, { to: 'a' }, { deadLetter: 'parity-refunds.dead', ...LATER }), 'accepted'],
  // payloads
  ['send: a payload over 1 MiB (the default limit)', (j) => j.send(Plain, OVER_ONE_MIB), [V, /^Payload of job "parity-plain" is over the 1048576-byte limit/]],
  ['send: a multi-byte payload over the limit in bytes', (j) => j.send(Plain, { text: 'é'.repeat(ONE_MIB / 2 + 1) }), [V, /at least 1048582 bytes of JSON/]],
  ['send: a 1.5 MB payload under a raised maxPayloadBytes', (j) => j.send(Plain, ONE_AND_A_HALF_MB, LATER), 'accepted', 'raised'],
  ['send: a payload over a raised maxPayloadBytes', (j) => j.send(Plain, OVER_FOUR_MIB), [V, /over the 4194304-byte limit/], 'raised'],
  ['send: a BigInt in the payload', (j) => j.send(Plain, { n: 10n }), [V, /payload\.n is a BigInt/]],
  ['send: a circular payload', (j) => j.send(Plain, circular), [V, /refers back to payload/]],
  ['send: a function in the payload', (j) => j.send(Plain, { f: () => 1 }), [V, /payload\.f is a function/]],
  ['send: an array as the payload', (j) => j.send(Plain, [1] as never), [V, /got an array/]],
  ['send: a payload failing the schema', (j) => j.send(Validated, { n: 1.5 }), [V, /^Invalid payload for job "parity-validated": n: /]],
  // what PostgreSQL's jsonb cannot hold, refused by the server in production
  ['send: a NUL character in a payload string', (j) => j.send(Plain, { note: 'a\u0000b' }, LATER), [V, /^JobsService\.send of job "parity-plain": PostgreSQL refused the job's values \(unsupported Unicode escape sequence \(SQLSTATE 22P05\)\)\. Nothing was sent\.$/]],
  ['send: a NUL character in a payload key', (j) => j.send(Plain, { ['k\u0000']: 1 }, LATER), [V, /PostgreSQL refused the job's values \(unsupported Unicode escape sequence \(SQLSTATE 22P05\)\)/]],
  ['send: a lone surrogate in a payload string', (j) => j.send(Plain, { note: 'x\ud800y' }, LATER), [V, /PostgreSQL refused the job's values \(invalid input syntax for type json \(SQLSTATE 22P02\)\)/]],
  ['send: a backslash before the text u0000', (j) => j.send(Plain, { note: '\\u0000 and \\\\ud800' }, LATER), 'accepted'],
  ['send: a surrogate pair (an emoji)', (j) => j.send(Plain, { note: 'ok \u{1F600}' }, LATER), 'accepted'],
  // queues nothing declares
  ['send: a definition nothing declares', (j) => j.send(Nowhere, {}, LATER), [C, /^Queue "parity-nowhere" does not exist\. Declare a handler for it/]],
  ['send: a queue name nothing declares', (j) => j.send('parity-nowhere', {}, LATER), [C, /^Queue "parity-nowhere" does not exist/]],
];

const manyRows: Row[] = [
  ['sendMany: jobs that are not an array', (j) => j.sendMany(Plain, {} as never), [V, /jobs must be an array of \{ data, options\? \}/]],
  ['sendMany: a job that is not an object', (j) => j.sendMany(Plain, [null] as never), [V, /jobs\[0\] must be \{ data, options\? \}/]],
  ['sendMany: an unknown call option', (j) => j.sendMany(Plain, [{ data: {} }], { dbb: 1 } as never), [V, /unknown option "dbb" \(known: db\)/]],
  ['sendMany: a call db that is no adapter', (j) => j.sendMany(Plain, [{ data: {} }], { db: {} as never }), [V, /^Invalid options for JobsService\.sendMany\/flow of job "parity-plain": db must be a transaction adapter/]],
  ['sendMany: a NaN priority on one job', (j) => j.sendMany(Plain, [{ data: {} }, { data: {}, options: { priority: Number.NaN } }]), [V, /sendMany \(jobs\[1\]\) of job "parity-plain": priority must be an integer/]],
  ['sendMany: throttle is not a per-job option', (j) => j.sendMany(Plain, [{ data: {}, options: { throttle: { seconds: 1 } } as never }]), [V, /unknown option "throttle"/]],
  ['sendMany: a 4 KB singletonKey on one job', (j) => j.sendMany(Grouped, [{ data: { n: 1 } }, { data: { n: 2 }, options: { singletonKey: KEY_4K } }]), [V, /sendMany \(jobs\[1\]\) of job "parity-grouped": singletonKey must be at most 1024 bytes/]],
  ['sendMany: a BigInt in the third job', (j) => j.sendMany(Plain, [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3n } }]), [V, /^Invalid payload for job "parity-plain" \(sendMany jobs\[2\]\): payload\.n is a BigInt/]],
  ['sendMany: one job over the size limit', (j) => j.sendMany(Plain, [{ data: {} }, { data: OVER_ONE_MIB }]), [V, /^Payload of job "parity-plain" \(sendMany jobs\[1\]\) is over the 1048576-byte limit/]],
  ['sendMany: one job over a raised size limit', (j) => j.sendMany(Plain, [{ data: {} }, { data: OVER_FOUR_MIB }]), [V, /\(sendMany jobs\[1\]\) is over the 4194304-byte limit/], 'raised'],
  ['sendMany: a deadLetter that is another queue', (j) => j.sendMany(Emails, [{ data: { to: 'a' } }, { data: { to: 'b' }, options: { deadLetter: 'parity-refunds' } }]), [V, /sendMany \(jobs\[1\]\) of job "parity-emails": deadLetter "parity-refunds" is not a dead-letter queue/]],
  ['sendMany: an SQL-looking queue name', (j) => j.sendMany('a;drop', [{ data: {} }]), [C, /queue name "a;drop"/]],
  ['sendMany: a NUL character in the second job', (j) => j.sendMany(Plain, [{ data: { n: 1 }, options: LATER }, { data: { n: '\u0000' }, options: LATER }]), [V, /^JobsService\.sendMany of job "parity-plain": PostgreSQL refused the job's values \(unsupported Unicode escape sequence/]],
  ['sendMany: a definition nothing declares', (j) => j.sendMany(Nowhere, [{ data: {}, options: LATER }]), [C, /^Queue "parity-nowhere" does not exist/]],
];

const flowRows: Row[] = [
  ['flow: steps that are not an array', (j) => j.flow({} as never), [V, /steps must be an array of flowStep/]],
  ['flow: a ref "__proto__"', (j) => j.flow([F('__proto__', Grouped, { n: 1 })]), [V, /step 0 ref "__proto__" cannot name a step/]],
  ['flow: two steps with one ref', (j) => j.flow([F('a', Grouped, { n: 1 }), F('a', Grouped, { n: 2 })]), [V, /steps share the ref "a"/]],
  ['flow: a ref that is no string', (j) => j.flow([F(1 as never, Grouped, { n: 1 })]), [V, /step 0 ref must be a non-empty string, got 1/]],
  ['flow: an unknown call option', (j) => j.flow([F('a', Plain, {})], { dbb: 1 } as never), [V, /unknown option "dbb" \(known: db\)/]],
  ['flow: a negative delay in one step', (j) => j.flow([F('a', Plain, {}), F('b', Grouped, { n: 1 }, { startAfter: -1, dependsOn: ['a'] })]), [V, /^Invalid options for JobsService\.flow \(step "b"\) of job "parity-grouped": startAfter must be/]],
  ['flow: a 4 KB group id on one step', (j) => j.flow([F('a', Grouped, { n: 1 }, { group: { id: KEY_4K } })]), [V, /flow \(step "a"\) of job "parity-grouped": group id must be at most 1024 bytes/]],
  ['flow: throttle is not a step option', (j) => j.flow([F('a', Plain, {}, { throttle: { seconds: 1 } } as never)]), [V, /unknown option "throttle"/]],
  ['flow: a circular payload in one step', (j) => j.flow([F('a', Plain, circular)]), [V, /^Invalid payload for job "parity-plain" \(flow step "a"\): payload\.child\.parent refers back/]],
  ['flow: a step over the size limit', (j) => j.flow([F('a', Plain, {}), F('b', Plain, OVER_ONE_MIB)]), [V, /^Payload of job "parity-plain" \(flow step "b"\) is over the 1048576-byte limit/]],
  ['flow: a step over a raised size limit', (j) => j.flow([F('a', Plain, OVER_FOUR_MIB)]), [V, /over the 4194304-byte limit/], 'raised'],
  ['flow: a deadLetter that is another queue', (j) => j.flow([F('a', Emails, { to: 'a' }, { deadLetter: 'parity-grouped' })]), [V, /^Invalid options for JobsService\.flow \(step "a"\) of job "parity-emails": deadLetter "parity-grouped" is not a dead-letter queue/]],
  ['flow: a step with an SQL-looking queue name', (j) => j.flow([F('a', 'x; drop' as never, {})]), [C, /JobsService\.flow: queue name "x; drop"/]],
  ['flow: a NUL character in a step payload', (j) => j.flow([F('a', Plain, { n: 1 }, LATER), F('b', Grouped, { n: 2, note: '\u0000' } as never, { ...LATER, dependsOn: ['a'] })]), [V, /PostgreSQL refused the job's values \(unsupported Unicode escape sequence/]],
  ['flow: a step on a queue nothing declares', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Nowhere, {}, { ...LATER, dependsOn: ['a'] })]), [C, /^Queue "parity-nowhere" does not exist/]],
  // the shape of a flow
  ['flow: one step', (j) => j.flow([F('a', Plain, {}, LATER)]), [V, /^Invalid options for JobsService\.flow of job "parity-plain": a flow needs at least 2 steps, got 1/]],
  ['flow: no step depends on another', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Grouped, { n: 1 }, LATER)]), [V, /no step has dependsOn/]],
  ['flow: a dependency on a ref not in the flow', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Grouped, { n: 1 }, { ...LATER, dependsOn: ['c'] })]), [V, /step "b" depends on "c", which is no step of this flow/]],
  ['flow: a step depending on itself', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Grouped, { n: 1 }, { ...LATER, dependsOn: ['a', 'b'] })]), [V, /step "b" cannot depend on itself/]],
  ['flow: a dependency cycle', (j) => j.flow([F('a', Plain, {}, { ...LATER, dependsOn: ['c'] }), F('b', Grouped, { n: 1 }, { ...LATER, dependsOn: ['a'] }), F('c', Plain, {}, { ...LATER, dependsOn: ['b'] })]), [V, /flow contains a dependency cycle: "a" -> "b" -> "c" -> "a"/]],
  ['flow: dependsOn that is no array', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Grouped, { n: 1 }, { ...LATER, dependsOn: 'a' as never })]), [V, /step "b" dependsOn must be an array of refs, got "a"/]],
  ['flow: two steps, one waiting', (j) => j.flow([F('a', Plain, {}, LATER), F('b', Grouped, { n: 1 }, { ...LATER, dependsOn: ['a'] })]), 'accepted'],
];

const scheduleRows: Row[] = [
  ['schedule: the key @Recurring owns', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: RECURRING_SCHEDULE_KEY }), [V, /key "nest-pg-jobs\.recurring" is reserved for @Recurring/]],
  ['schedule: a key under the prefix @Recurring owns', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: `${RECURRING_SCHEDULE_KEY}/nightly` }), [V, /key "nest-pg-jobs\.recurring\/nightly" is reserved/]],
  ['schedule: a cron string that is not cron', (j) => j.schedule(Plain, 'every day'), [V, /cron "every day" is invalid/]],
  ['schedule: a minute out of range', (j) => j.schedule(Plain, '61 * * * *'), [V, /cron "61 \* \* \* \*" is invalid/]],
  ['schedule: an empty cron', (j) => j.schedule(Plain, ''), [V, /cron must be a non-empty string/]],
  ['schedule: a six-field cron every 30 seconds', (j) => j.schedule(Plain, '*/30 * * * * *'), [V, /fires more than once a minute/]],
  ['schedule: an unknown time zone', (j) => j.schedule(Plain, '0 3 * * *', {}, { tz: 'Mars/Olympus' }), [V, /with tz "Mars\/Olympus" is invalid/]],
  ['schedule: an SQL-looking key', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: "k'; drop" }), [V, /key may only contain letters/]],
  ['schedule: a key of 256 characters', (j) => j.schedule(Plain, '0 3 * * *', {}, { key: 'k'.repeat(256) }), [V, /at most 255 characters/]],
  ['schedule: a NaN priority', (j) => j.schedule(Plain, '0 3 * * *', {}, { priority: Number.NaN }), [V, /^Invalid options for JobsService\.schedule of job "parity-plain": priority must be an integer/]],
  ['schedule: an id, which schedules do not take', (j) => j.schedule(Plain, '0 3 * * *', {}, { id: A_UUID } as never), [V, /unknown option "id"/]],
  ['schedule: a BigInt in the data', (j) => j.schedule(Plain, '0 3 * * *', { n: 1n }), [V, /payload\.n is a BigInt/]],
  ['schedule: data over the size limit', (j) => j.schedule(Plain, '0 3 * * *', OVER_ONE_MIB), [V, /over the 1048576-byte limit/]],
  ['schedule: data over a raised size limit', (j) => j.schedule(Plain, '0 3 * * *', OVER_FOUR_MIB), [V, /over the 4194304-byte limit/], 'raised'],
  ['schedule: a deadLetter that is another queue', (j) => j.schedule(Emails, '0 3 * * *', { to: 'a' }, { deadLetter: 'parity-refunds' }), [V, /^Invalid options for JobsService\.schedule of job "parity-emails": deadLetter "parity-refunds" is not a dead-letter queue/]],
  ['unschedule: an SQL-looking key', (j) => j.unschedule(Plain, 'a"; drop'), [V, /key may only contain/]],
  ['unschedule: an SQL-looking queue name', (j) => j.unschedule('x; drop table schedule'), [C, /JobsService\.unschedule: queue name/]],
  ['schedule: a NUL character in the data', (j) => j.schedule(Plain, '0 3 * * *', { note: '\u0000' }, { key: 'parity-nul' }), [V, /^JobsService\.schedule of job "parity-plain": PostgreSQL refused the job's values \(unsupported Unicode escape sequence/]],
  ['schedule: a queue nothing declares', (j) => j.schedule(Nowhere, '0 3 * * *'), [C, /^Queue "parity-nowhere" does not exist/]],
];

const lookupRows: Row[] = [
  ['findJobs: a list of ids', (j) => j.findJobs(Grouped, { id: [A_UUID] as never }), [V, /id must be one job id, not a list/]],
  ['findJobs: an id that is not a uuid', (j) => j.findJobs(Grouped, { id: 'x' }), [V, /^Invalid options for JobsService\.findJobs on "parity-grouped": id must be a job id/]],
  ['findJobs: a BigInt in data', (j) => j.findJobs(Grouped, { data: { n: 1n } }), [V, /data\.n is a BigInt/]],
  ['findJobs: data over the size limit', (j) => j.findJobs(Grouped, { data: OVER_ONE_MIB }), [V, /findJobs on "parity-grouped": data .*1048576/]],
  ['findJobs: limit 0', (j) => j.findJobs(Grouped, { limit: 0 }), [V, /limit must be an integer from 1 to 100000, got 0/]],
  ['findJobs: an after that is no uuid', (j) => j.findJobs(Grouped, { after: 'x' }), [V, /after must be the id \(a uuid\)/]],
  ['findJobs: a misspelt option', (j) => j.findJobs(Grouped, { ids: [A_UUID] } as never), [V, /unknown option "ids"/]],
  ['findJobs: options that are not an object', (j) => j.findJobs(Grouped, 'x' as never), [V, /options must be an object/]],
  ['findJobs: an SQL-looking queue name', (j) => j.findJobs('q"; drop'), [C, /JobsService\.findJobs: queue name/]],
  // issue 13: findJobs by state, and paging
  ['findJobs: a state that is none', (j) => j.findJobs(Grouped, { state: 'done' as never }), [V, /^Invalid options for JobsService\.findJobs on "parity-grouped": state must be a job state \(created, retry, active, completed, cancelled, failed\) or a list of them, got "done"\. Nothing was read or changed\.$/]],
  ['findJobs: state with queued', (j) => j.findJobs(Grouped, { state: 'failed', queued: true } as never), [V, /state cannot be combined with queued, which filters by state too \(queued: true is state: \['created', 'retry'\]\); keep one of them/]],
  ['findJobs: state with queued: false', (j) => j.findJobs(Grouped, { state: 'failed', queued: false } as never), [V, /state cannot be combined with queued/]],
  ['findJobs: an empty state list', (j) => j.findJobs(Grouped, { state: [] }), [V, /state must name at least one state: an empty list matches no job \(leave state out to find jobs in every state\), got an array of 0 items/]],
  ['findJobs: a state list with one that is none', (j) => j.findJobs(Grouped, { state: ['failed', 'dead' as never] }), [V, /state \[1\] must be a job state \(created, retry, active, completed, cancelled, failed\), got "dead"/]],
  ['findJobs: a state listed twice', (j) => j.findJobs(Grouped, { state: ['failed', 'retry', 'failed'] }), [V, /state lists "failed" twice/]],
  ['findJobs: a state given as a number', (j) => j.findJobs(Grouped, { state: 5 as never }), [V, /state must be a job state .*, got 5/]],
  ['findJobs: failed jobs', (j) => j.findJobs(Grouped, { state: 'failed', limit: 50 }), 'accepted'],
  ['findJobs: queued states by key', (j) => j.findJobs(Grouped, { state: ['created', 'retry'], key: 'k', data: { n: 1 } }), 'accepted'],
  ['findJobs: an after naming no job', (j) => j.findJobs(Grouped, { after: A_UUID }), [V, /^Invalid options for JobsService\.findJobs on "parity-grouped": after "0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d" names no job of the queue/]],
  ['findJobs: a state and an after naming no job', (j) => j.findJobs(Grouped, { state: 'completed', after: A_UUID }), [V, /^Invalid options for JobsService\.findJobs on "parity-grouped": after "0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d" names no job of the queue/]],
  ['findJobs: a state on a queue nothing declares', (j) => j.findJobs(Nowhere, { state: 'failed' }), [C, /^Queue "parity-nowhere" does not exist/]],
  ['getDeadLetters: state, which it does not take', (j) => j.getDeadLetters(Emails, { state: 'failed' } as never), [V, /getDeadLetters on "parity-emails": unknown option "state"/]],
  ['getDeadLetters: an after naming no job', (j) => j.getDeadLetters(Emails, { after: A_UUID }), [V, /^Invalid options for JobsService\.getDeadLetters on "parity-emails": after "0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d" names no job of the queue/]],
  ['getJob: an id that is not a uuid', (j) => j.getJob(Grouped, 'x'), [V, /JobsService\.getJob on "parity-grouped": job id "x" is not a uuid/]],
  ['getDeadLetters: an id that is no uuid', (j) => j.getDeadLetters(Emails, { id: 'x' }), [V, /getDeadLetters on "parity-emails": id must be a job id/]],
  ['getDeadLetters: a negative limit', (j) => j.getDeadLetters(Emails, { limit: -1 }), [V, /limit must be an integer from 1 to 100000/]],
  ['getDeadLetters: queued, which it does not take', (j) => j.getDeadLetters(Emails, { queued: false } as never), [V, /unknown option "queued"/]],
  ['getDeadLetters: a queue without dead-letter queue', (j) => j.getDeadLetters(Plain), [C, /Queue "parity-plain" has no dead-letter queue/]],
  ['redrive: an empty id list', (j) => j.redrive(Emails, { ids: [] }), [V, /ids must be a non-empty array of job ids/]],
  ['redrive: an id that is no uuid', (j) => j.redrive(Emails, { ids: ['x'] }), [V, /ids \[0\] must be a job id/]],
  ['redrive: limit 1e20', (j) => j.redrive(Emails, { limit: 1e20 }), [V, /limit must be an integer from 1 to 2147483647/]],
  ['redrive: a BigInt in data', (j) => j.redrive(Emails, { data: { n: 1n } }), [V, /data\.n is a BigInt/]],
  ['redrive: an invalid createdBefore', (j) => j.redrive(Emails, { createdBefore: new Date('x') }), [V, /createdBefore must be a valid Date/]],
  ['redrive: another queue as destination', (j) => j.redrive(Emails, { destination: 'parity-refunds' }), [V, /destination must be "parity-emails" if given/]],
  ['redrive: another queue as sourceName', (j) => j.redrive(Emails, { sourceName: 'parity-refunds' }), [V, /sourceName must be "parity-emails" if given/]],
  ['redrive: a queue without dead-letter queue', (j) => j.redrive(Plain), [C, /Queue "parity-plain" has no dead-letter queue/]],
  ['cancel: an id that is not a uuid', (j) => j.cancel(Plain, "1' or '1'='1"), [V, /JobsService\.cancel on "parity-plain": job id "1' or '1'='1" is not a uuid/]],
  ['cancel: an empty id list', (j) => j.cancel(Plain, []), [V, /JobsService\.cancel on "parity-plain": the list of job ids is empty/]],
  ['resume: an id that is not a uuid', (j) => j.resume(Plain, 'x'), [V, /JobsService\.resume on "parity-plain"/]],
  ['retry: an empty id list', (j) => j.retry(Plain, []), [V, /JobsService\.retry on "parity-plain": the list of job ids is empty/]],
  ['cancel: an SQL-looking queue name', (j) => j.cancel('q"; drop', A_UUID), [C, /JobsService\.cancel: queue name/]],
  ['getQueueCounts: an SQL-looking queue name', (j) => j.getQueueCounts('q"; drop'), [C, /JobsService\.getQueueCounts: queue name/]],
  ['getQueueCounts: a queue nothing declares', (j) => j.getQueueCounts(Nowhere), [C, /^Queue "parity-nowhere" does not exist/]],
  ['getDeadLetters: a queue nothing declares', (j) => j.getDeadLetters(Nowhere), [C, /^Queue "parity-nowhere" does not exist/]],
  ['redrive: a queue nothing declares', (j) => j.redrive(Nowhere), [C, /^Queue "parity-nowhere" does not exist/]],
  ['findJobs: a queue nothing declares', (j) => j.findJobs(Nowhere, { key: 'k' }), [C, /^Queue "parity-nowhere" does not exist/]],
  ['getJob: a queue nothing declares', (j) => j.getJob(Nowhere, A_UUID), [C, /^Queue "parity-nowhere" does not exist/]],
  ['cancel: a queue nothing declares', (j) => j.cancel(Nowhere, A_UUID), [C, /^Queue "parity-nowhere" does not exist/]],
  ['resume: a queue nothing declares', (j) => j.resume(Nowhere, A_UUID), [C, /^Queue "parity-nowhere" does not exist/]],
  ['retry: a queue nothing declares', (j) => j.retry(Nowhere, A_UUID), [C, /^Queue "parity-nowhere" does not exist/]],
];

const pauseRows: Row[] = [
  ['pauseQueue: a queue nothing declares', (j) => j.pauseQueue(Nowhere), [C, /^Queue "parity-nowhere" does not exist\. Declare a handler for it/]],
  ['resumeQueue: a queue name nothing declares', (j) => j.resumeQueue('parity-nowhere'), [C, /^Queue "parity-nowhere" does not exist/]],
  ['isQueuePaused: a queue nothing declares', (j) => j.isQueuePaused(Nowhere), [C, /^Queue "parity-nowhere" does not exist/]],
  ['pauseQueue: an SQL-looking queue name', (j) => j.pauseQueue('q"; drop'), [C, /JobsService\.pauseQueue: queue name/]],
  ['resumeQueue: null in place of a definition', (j) => j.resumeQueue(null as never), [C, /JobsService\.resumeQueue takes a job definition/]],
  ['isQueuePaused: a hand-made definition with a space in its name', (j) => j.isQueuePaused({ name: 'a b', options: {} } as never), [C, /JobsService\.isQueuePaused: queue name "a b"/]],
  [
    'pauseQueue, isQueuePaused, resumeQueue on a declared queue',
    async (j) => {
      await j.pauseQueue(Grouped);
      await j.pauseQueue('parity-grouped');
      if (!(await j.isQueuePaused(Grouped))) throw new Error('not paused');
      await j.resumeQueue(Grouped);
      if (await j.isQueuePaused(Grouped)) throw new Error('still paused');
    },
    'accepted',
  ],
];

const publishRows: Row[] = [
  ['publish: a job definition in place of an event', (j) => j.publish(Plain as never, {}), [C, /JobsService\.publish takes an event \(defineEvent\('name', \.\.\.\)\), got an object that is no event/]],
  ['publish: null in place of an event', (j) => j.publish(null as never, {}), [C, /JobsService\.publish takes an event .*got null/]],
  ['publish: a hand-made event with a space in its name', (j) => j.publish({ kind: 'event', name: 'a b' } as never, {}), [C, /JobsService\.publish: queue name "a b"/]],
  ['publish: a BigInt in the payload', (j) => j.publish(Signed, { userId: 1n } as never), [V, /Invalid payload for job "parity\.signed-up" \(published event\)/]],
  ['publish: an array as payload', (j) => j.publish(Signed, [] as never), [V, /pg-boss stores an object \(or nothing\), got an array/]],
  ['publish: an unknown option', (j) => j.publish(Signed, { userId: 'u' }, { priority: 1 } as never), [V, /unknown option "priority"/]],
  ['publish: a payload over 1 MiB', (j) => j.publish(Signed, OVER_ONE_MIB as never), [V, /^Payload of job "parity\.signed-up" \(published event\) is over the 1048576-byte limit/]],
  ['publish: a NUL character in the payload of a subscribed event', (j) => j.publish(Signed, { userId: 'a\u0000b' }), [V, /PostgreSQL refused the job's values/]],
  ['publish: a NUL character in an event nothing subscribes to (nothing is written)', (j) => j.publish(Unheard, { userId: 'a\u0000b' }), 'accepted'],
  ['publish: an event nothing subscribes to', (j) => j.publish(Unheard, { userId: 'u' }), 'accepted'],
  ['publish: a subscribed event', (j) => j.publish(Signed, { userId: 'u' }), 'accepted'],
];

/** What a call did, in the terms the comparison uses. */
type Outcome = { accepted: true } | { accepted: false; type: string; message: string };
const outcome = (call: Promise<unknown>): Promise<Outcome> =>
  call.then(
    () => ({ accepted: true }),
    (error: unknown) => ({
      accepted: false,
      type: (error as Error)?.constructor?.name ?? typeof error,
      message: String((error as Error)?.message ?? error),
    }),
  );

describe('testing kit parity: the testing module refuses what JobsModule refuses, with the same error', () => {
  const schema = schemasDroppedAfterAll();
  const real = {} as Record<Config, JobsService>;
  const kit = {} as Record<Config, JobsService>;
  const apps: INestApplicationContext[] = [];
  const modules: TestingModule[] = [];
  const maxPayloadBytes: Record<Config, number | undefined> = { default: undefined, raised: FOUR_MIB };

  beforeAll(async () => {
    for (const config of ['default', 'raised'] as const) {
      const jobs = maxPayloadBytes[config] === undefined ? {} : { maxPayloadBytes: maxPayloadBytes[config] };
      const app = await createApp(schema(`parity_${config}`), { providers: [Handlers], jobs });
      apps.push(app);
      real[config] = app.get(JobsService);
      const moduleRef = await Test.createTestingModule({
        imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false, ...jobs })],
        providers: [Handlers],
      }).compile();
      await moduleRef.init();
      modules.push(moduleRef);
      kit[config] = moduleRef.get(JobsService);
    }
  });
  afterAll(async () => {
    await Promise.all([...apps.map((app) => app.close()), ...modules.map((moduleRef) => moduleRef.close())]);
  });

  it('compares the real JobsService with the TestingJobsService', () => {
    expect(real.default).not.toBeInstanceOf(TestingJobsService);
    expect(kit.default).toBeInstanceOf(TestingJobsService);
  });

  it.each([...sendRows, ...manyRows, ...flowRows, ...scheduleRows, ...lookupRows, ...pauseRows, ...publishRows])(
    '%s',
    async (_label, call, expected, config = 'default') => {
      const inProduction = await outcome(call(real[config]));
      // The row tests what it says: the real module refuses (or accepts) it as written down.
      if (expected === 'accepted') {
        expect(inProduction).toEqual({ accepted: true });
      } else {
        expect(inProduction).toMatchObject({ accepted: false, type: expected[0].name, message: expect.stringMatching(expected[1]) });
      }
      expect(await outcome(call(kit[config]))).toEqual(inProduction);
    },
  );
});
