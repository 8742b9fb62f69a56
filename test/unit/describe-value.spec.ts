// describeValue/describeText: how every value a caller gave appears in a message (issue 11, 1b.6).
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { describeText, describeValue, MAX_ECHOED_CHARS } from '../../lib/utils/describe-value.util.js';
import { show } from '../../lib/errors/jobs.messages.js';

class Mailer {
  constructor(readonly apiKey: string) {}
}

describe('describeValue', () => {
  it.each([
    ['a string, quoted', 'abc', '"abc"'],
    ['a number', 42, '42'],
    ['NaN', Number.NaN, 'NaN'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['a BigInt', 10n, '10n'],
    ['a boolean', false, 'false'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a symbol', Symbol('secret'), 'a symbol'],
    ['a named function', function connect() {}, 'a function connect'],
    ['an array', [1, 'two', { three: 3 }], 'an array of 3 items'],
    ['a Date', new Date('2026-01-02T03:04:05Z'), 'a Date (2026-01-02T03:04:05.000Z)'],
    ['an invalid Date', new Date('nope'), 'an invalid Date'],
    ['a Map', new Map([[1, 2]]), 'a Map of 1 entry'],
    ['an empty object', {}, 'an empty object'],
    ['a plain object, by its keys only', { user: 'app', password: 'pw-123' }, 'an object with keys user, password'],
    ['an object without prototype', Object.assign(Object.create(null) as object, { a: 1 }), 'an object with key a'],
    ['a class instance, by its class only', new Mailer('key-123'), 'an instance of Mailer'],
  ])('describes %s', (_label, value, described) => {
    expect(describeValue(value)).toBe(described);
  });

  it('never serialises a pg Pool or Client: no connection string, password, user, host or database', () => {
    const pool = new pg.Pool({ connectionString: 'postgres://app_user:S3cret@db.internal:5432/appdb' });
    const client = new pg.Client({ user: 'app_user', password: 'S3cret', host: 'db.internal', database: 'appdb' });
    for (const value of [pool, client, { db: pool }, [client]]) {
      const text = describeValue(value);
      for (const secret of ['S3cret', 'app_user', 'db.internal', 'appdb', 'postgres://']) expect(text).not.toContain(secret);
    }
    expect(describeValue(pool)).toBe('an instance of BoundPool');
    expect(describeValue(client)).toBe('an instance of Client');
    void pool.end();
  });

  it(`cuts a string at ${MAX_ECHOED_CHARS} characters and says how long it was`, () => {
    const huge = '9'.repeat(50 * 1024 * 1024);
    expect(describeValue(huge)).toBe(`"${'9'.repeat(MAX_ECHOED_CHARS)}…" (52428800 characters)`);
    expect(describeValue('abcdef', 3)).toBe('"abc…" (6 characters)');
    expect(describeValue('x'.repeat(MAX_ECHOED_CHARS))).toBe(`"${'x'.repeat(MAX_ECHOED_CHARS)}"`);
  });

  it('escapes line breaks, terminal escapes, C1 controls and Unicode line separators', () => {
    const text = describeValue('a\nb\r\nc\td\u001b[31me\u007ff\u0085g\u2028h\u2029i"j\\k');
    expect(text).toBe('"a\\nb\\r\\nc\\td\\u001b[31me\\u007ff\\u0085g\\u2028h\\u2029i\\"j\\\\k"');
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it('escapes and cuts the keys and class names it lists', () => {
    const key = `evil\nkey${'k'.repeat(100)}`;
    expect(describeValue({ [key]: 1 })).toBe(`an object with key evil\\nkey${'k'.repeat(22)}… (108 characters)`);
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i]));
    expect(describeValue(many)).toBe('an object with keys k0, k1, k2, k3, k4, … (9 keys)');
    const Evil = { ['Evil\nClass']: class {} }['Evil\nClass']!;
    expect(describeValue(new Evil())).toBe('an instance of Evil\\nClass');
  });

  it('describes an object whose inspection throws without throwing', () => {
    const hostile = new Proxy({}, {
      getPrototypeOf() {
        throw new Error('trap');
      },
    });
    expect(describeValue(hostile)).toBe('an object');
  });

  it('is what the message factories use', () => {
    expect(show).toBe(describeValue);
  });
});

describe('describeText', () => {
  it('keeps text as it is, escaping control characters and cutting it', () => {
    expect(describeText('Invalid cron: "x"')).toBe('Invalid cron: "x"');
    expect(describeText('line one\nline two')).toBe('line one\\nline two');
    expect(describeText('y'.repeat(1_000_000), 10)).toBe(`${'y'.repeat(10)}… (1000000 characters)`);
  });
});
