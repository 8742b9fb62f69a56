// The pure checks behind issue 11's bad-input items (test/e2e/bad-input.e2e-spec.ts runs them
// against the database): keys PostgreSQL must index, startAfter, lookup options, and which
// database errors belong to one job.
import { describe, expect, it } from '@jest/globals';
import { JobValidationError } from '../../lib/index.js';
import { isRowLevelError, refusedValues } from '../../lib/backend/pg-boss/database-error.util.js';
import { validateFindOptions, validateRedriveOptions } from '../../lib/runtime/validate-find-options.util.js';
import { MAX_QUEUE_NAME_LENGTH } from '../../lib/utils/queue-name.util.js';
import {
  MAX_KEY_BYTES,
  MAX_START_AFTER_SECONDS,
  resolveStartAfter,
  validateSendOptions,
} from '../../lib/runtime/validate-send-options.util.js';

const A_UUID = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';
const DAY_MS = 86_400_000;
const refused = (kind: Parameters<typeof validateSendOptions>[0], options: object) => () =>
  validateSendOptions(kind, 'q', options);

describe('keys PostgreSQL indexes (singletonKey, throttle/debounce key, group, schedule key)', () => {
  // 'é' is 2 bytes of UTF-8: the limit is in bytes, not characters.
  const atLimit = 'é'.repeat(MAX_KEY_BYTES / 2);
  const overLimit = `${atLimit}x`;

  it('is 1024 bytes of UTF-8', () => {
    expect(MAX_KEY_BYTES).toBe(1024);
  });

  it.each([
    ['singletonKey', { singletonKey: overLimit }, /singletonKey must be at most 1024 bytes of UTF-8 .*, got 1025 bytes/],
    ['throttle key', { throttle: { seconds: 5, key: overLimit } }, /throttle key must be at most 1024 bytes of UTF-8 .*, got 1025 bytes/],
    ['debounce key', { debounce: { seconds: 5, key: overLimit } }, /debounce key must be at most 1024 bytes/],
    ['group id', { group: { id: overLimit } }, /group id must be at most 1024 bytes/],
    ['group tier', { group: { id: 'g', tier: overLimit } }, /group tier must be at most 1024 bytes/],
    ['singletonKey with NUL', { singletonKey: 'a\u0000b' }, /singletonKey must not contain the NUL character \(\\u0000\), which PostgreSQL text cannot hold, got a string with \\u0000/],
    ['group id with NUL', { group: { id: '\u0000' } }, /group id must not contain the NUL character/],
  ])('refuses a %s over the limit, without echoing it', (_label, options, message) => {
    const error = (() => {
      try {
        validateSendOptions('send', 'q', options);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a JobValidationError');
    })();
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('éé');
  });

  it('refuses a schedule key over the limit', () => {
    expect(refused('schedule', { key: 'k'.repeat(MAX_QUEUE_NAME_LENGTH + 1) })).toThrow(/key may only contain .*at most 255 characters .*\(256 characters\)/);
  });

  it('accepts keys of exactly the limit', () => {
    expect(refused('send', { singletonKey: atLimit, group: { id: atLimit, tier: atLimit } })).not.toThrow();
    expect(refused('send', { throttle: { seconds: 1, key: 'k'.repeat(MAX_KEY_BYTES) } })).not.toThrow();
    expect(refused('schedule', { key: 'k'.repeat(MAX_QUEUE_NAME_LENGTH) })).not.toThrow();
  });
});

describe('startAfter', () => {
  it.each([
    ['a date followed by "infinity"', '2026-01-01 infinity', /startAfter must be .* ISO 8601 date string such as "2026-05-01T09:00:00Z"/],
    ['a date followed by "epoch"', '2026-01-01 epoch', /ISO 8601 date string/],
    ['a date followed by a zone name (PostgreSQL would read it)', '2026-03-01 10:00 Europe/Berlin', /ISO 8601 date string/],
    ['seconds as a string', '45', /seconds go as a number/],
    ['an exponent number as a string', '1e3', /ISO 8601 date string/],
    ['hour 25', '2026-01-01T25:00:00Z', /ISO 8601 date string/],
    ['minute 60', '2026-01-01T10:60:00Z', /ISO 8601 date string/],
    ['an offset of 25 hours', '2026-01-01T10:00:00+25:00', /ISO 8601 date string/],
    ['February 30th', '2026-02-30', /ISO 8601 date string/],
    ['month 13', '2026-13-01', /ISO 8601 date string/],
    ['a year before 1970', '0099-01-01T00:00:00Z', /startAfter must not be before 1970-01-01T00:00:00Z/],
    ['a date two years ahead', new Date(Date.now() + 2 * 366 * DAY_MS).toISOString(), /startAfter must be at most 31622400 seconds \(366 days\) ahead/],
    ['a Date two years ahead', new Date(Date.now() + 2 * 366 * DAY_MS), /at most 31622400 seconds \(366 days\) ahead/],
    ['a Date at the end of JavaScript time', new Date(8.64e15), /at most 31622400 seconds/],
    ['a Date before 1970', new Date(-1), /must not be before 1970/],
    ['1e12 seconds (year 33715)', 1e12, /startAfter must be at most 31622400 seconds \(366 days\) ahead \(seconds, not milliseconds\), got 1000000000000/],
    ['1e21 seconds (an exponent in JavaScript)', 1e21, /at most 31622400 seconds/],
    ['a one-day delay in milliseconds', DAY_MS, /seconds, not milliseconds/],
  ])('refuses %s', (_label, startAfter, message) => {
    expect(refused('send', { startAfter })).toThrow(JobValidationError);
    expect(refused('send', { startAfter })).toThrow(message);
  });

  it.each([
    ['0', 0],
    ['the bound itself', MAX_START_AFTER_SECONDS],
    ['fractional seconds', 0.5],
    ['a date only', '2026-12-01'],
    ['a zone-less time', '2026-12-01T10:00'],
    ['a space for the T and a comma fraction', '2026-12-01 10:00:00,5'],
    ['an offset without a colon', '2026-12-01T10:00:00+0200'],
    ['an offset in hours', '2026-12-01T10:00:00-05'],
    ['nanoseconds', '2026-12-01T10:00:00.123456789Z'],
    ['the epoch', '1970-01-01T00:00:00Z'],
    ['a Date now', new Date()],
  ])('accepts %s', (_label, startAfter) => {
    expect(refused('send', { startAfter })).not.toThrow();
  });

  it('hands pg-boss seconds rounded to the millisecond, never in exponent form', () => {
    expect(resolveStartAfter(0.0000001)).toBe(0);
    expect(resolveStartAfter(0.0015)).toBe(0.002);
    expect(resolveStartAfter(30)).toBe(30);
    expect(String(resolveStartAfter(0.001))).toBe('0.001');
  });

  it('hands pg-boss a date as an ISO string in UTC, parsed here: offsets applied, zone-less read as UTC', () => {
    expect(resolveStartAfter('2026-12-01T10:00:00+02:00')).toBe('2026-12-01T08:00:00.000Z');
    expect(resolveStartAfter('2026-12-01T10:00:00-0530')).toBe('2026-12-01T15:30:00.000Z');
    expect(resolveStartAfter('2026-12-01 10:00')).toBe('2026-12-01T10:00:00.000Z');
    expect(resolveStartAfter('2026-12-01')).toBe('2026-12-01T00:00:00.000Z');
    expect(resolveStartAfter('2026-12-01T10:00:00.123456Z')).toBe('2026-12-01T10:00:00.123Z');
    expect(resolveStartAfter(new Date('2026-12-01T10:00:00Z'))).toBe('2026-12-01T10:00:00.000Z');
  });
});

describe('which database errors belong to one job', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['22P05 (a \\u0000 in jsonb)', pgError('22P05'), true],
    ['22021 (a NUL in text)', pgError('22021'), true],
    ['23505 (a unique violation)', pgError('23505'), true],
    ['54000 (an index row too large)', pgError('54000'), true],
    ['a TypeError from JSON.stringify', new TypeError('Do not know how to serialize a BigInt'), true],
    ['08006 (connection failure)', pgError('08006'), false],
    ['42501 (insufficient privilege)', pgError('42501'), false],
    ['42P01 (undefined table)', pgError('42P01'), false],
    ['40P01 (deadlock)', pgError('40P01'), false],
    ['53300 (too many connections)', pgError('53300'), false],
    ['57P01 (admin shutdown)', pgError('57P01'), false],
    ['an error without SQLSTATE', new Error('Connection terminated unexpectedly'), false],
  ])('%s is row-level: %s', (_label, error, rowLevel) => {
    expect(isRowLevelError(error)).toBe(rowLevel);
  });

  it('words a value too long to index without naming the index', () => {
    const reason = refusedValues(pgError('54000', 'index row size 4032 exceeds btree version 4 maximum 2704 for index "job_common_i17"'));
    expect(reason).toMatch(/too long for PostgreSQL's index/);
    expect(reason).not.toContain('job_common_i17');
  });

  it('quotes a data exception on one line, cut short', () => {
    expect(refusedValues(pgError('22P05', 'unsupported Unicode escape sequence'))).toBe(
      'unsupported Unicode escape sequence (SQLSTATE 22P05)',
    );
    const long = refusedValues(pgError('22P02', `invalid input syntax for type uuid: "${'x'.repeat(1000)}\nfake log line"`))!;
    expect(long.length).toBeLessThan(250);
    expect(long).not.toContain('\n');
  });

  it('leaves constraint, connection and permission errors alone', () => {
    expect(refusedValues(pgError('23503'))).toBeUndefined();
    expect(refusedValues(pgError('08006'))).toBeUndefined();
    expect(refusedValues(new Error('boom'))).toBeUndefined();
  });
});

describe('lookup options (findJobs, getDeadLetters, redrive)', () => {
  const find = (options: unknown) => () => validateFindOptions('findJobs', 'q', options, 1024);
  const dead = (options: unknown) => () => validateFindOptions('getDeadLetters', 'q', options, 1024);
  const redrive = (options: unknown) => () => validateRedriveOptions('q', options, 1024);

  it.each([
    ['findJobs', find({ id: [] }), /^Invalid options for JobsService\.findJobs on "q": id must be one job id, not a list \(call getJob for each id\), got an array of 0 items\. Nothing was read or changed\.$/],
    ['findJobs', find({ id: 'x' }), /id must be a job id \(a uuid\), got "x"/],
    ['findJobs', find({ after: 'x' }), /after must be the id \(a uuid\) of the last job of the previous page/],
    ['findJobs', find({ limit: 0 }), /limit must be an integer from 1 to 100000, got 0/],
    ['findJobs', find({ limit: 1e9 }), /limit must be an integer from 1 to 100000/],
    ['findJobs', find({ limit: 1.5 }), /limit must be an integer/],
    ['findJobs', find({ queued: 'yes' }), /queued must be true or false/],
    ['findJobs', find({ key: {} }), /key must be a non-empty string/],
    ['findJobs', find({ data: { n: 1n } }), /data\.n is a BigInt/],
    ['findJobs', find({ data: { a: [1, { b: () => 1 }] } }), /data\.a\[1\]\.b is a function/],
    ['findJobs', find({ data: 'x' }), /data must be an object to match payloads against/],
    ['findJobs', find({ data: { blob: 'x'.repeat(2000) } }), /data payload is more than 1024 bytes of JSON \(at least \d+\)/],
    ['findJobs', find({ ids: [A_UUID] }), /unknown option "ids" \(known: id, key, queued, limit, after, db, state, data\)/],
    ['findJobs', find(null), /options must be an object, got null/],
    ['getDeadLetters', dead({ queued: true }), /^Invalid options for JobsService\.getDeadLetters on "q": unknown option "queued"/],
    ['getDeadLetters', dead({ id: 'x' }), /id must be a job id/],
    ['redrive', redrive({ ids: [] }), /ids must be a non-empty array of job ids/],
    ['redrive', redrive({ ids: [A_UUID, 'x'] }), /ids \[1\] must be a job id \(a uuid\), got "x"/],
    ['redrive', redrive({ limit: 0 }), /limit must be an integer from 1 to 2147483647/],
    ['redrive', redrive({ limit: 1e20 }), /limit must be an integer from 1 to 2147483647/],
    ['redrive', redrive({ createdBefore: new Date('x') }), /createdBefore must be a valid Date/],
    ['redrive', redrive({ createdBefore: '2026-01-01' }), /createdBefore must be a valid Date/],
    ['redrive', redrive({ data: { n: 1n } }), /data\.n is a BigInt/],
    ['redrive', redrive({ destination: 'refunds' }), /destination must be "q" if given: redrive\("q"\) moves that queue's dead letters back to it/],
    ['redrive', redrive({ sourceName: 'refunds' }), /sourceName must be "q" if given/],
  ])('%s refuses %#', (_method, call, message) => {
    expect(call).toThrow(JobValidationError);
    expect(call).toThrow(message);
  });

  it('accepts what pg-boss accepts', () => {
    expect(find({ id: A_UUID, key: 'k', data: { a: 1 }, queued: true, limit: 100_000, after: A_UUID })).not.toThrow();
    expect(dead({ limit: 1, data: {} })).not.toThrow();
    expect(redrive({ ids: [A_UUID], createdBefore: new Date(), limit: 10, data: {}, sourceName: 'q', destination: 'q' })).not.toThrow();
    expect(find(undefined)).not.toThrow();
  });
});

describe('option names that are Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__'])('refuses %s as an unknown option', (key) => {
    const options = JSON.parse(`{"${key}": 1}`) as object;
    expect(refused('send', options)).toThrow(new RegExp(`unknown option "${key}"`));
  });
});
