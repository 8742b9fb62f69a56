// The pure checks behind the bad-input matrix (test/e2e/bad-input.e2e-spec.ts runs them against
// the database): payload JSON and size, send options, module options, redaction, identifiers.
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobsConfigurationError, JobValidationError } from '../../lib/index.js';
import { DATABASE_UNREACHABLE } from '../../lib/errors/jobs.messages.js';
import { redactSecrets } from '../../lib/utils/redact.util.js';
import { schemaIdentifier } from '../../lib/backend/pg-boss/sql-identifier.util.js';
import { checkPayloadJson, DEFAULT_MAX_PAYLOAD_BYTES, validatePayload } from '../../lib/declare/validate-payload.util.js';
import { validateModuleOptions } from '../../lib/module/validate-module-options.util.js';
import { isJobId, validateSendOptions } from '../../lib/runtime/validate-send-options.util.js';

const Plain = defineJob<Record<string, unknown>>('plain');

describe('checkPayloadJson', () => {
  it('returns the size of the JSON in bytes, and 0 for no payload', () => {
    expect(checkPayloadJson(Plain, { a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(checkPayloadJson(Plain, undefined)).toBe(0);
    expect(checkPayloadJson(Plain, null)).toBe(0);
  });

  it('defaults to 1 MiB and takes a custom limit, naming the call in the message', () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(1_048_576);
    expect(() => checkPayloadJson(Plain, { s: 'x'.repeat(100) }, { maxBytes: 50, label: 'sendMany jobs[4]' })).toThrow(
      /^Payload of job "plain" \(sendMany jobs\[4\]\) is over the 50-byte limit \(at least 104 bytes of JSON\)\./,
    );
  });

  it.each([
    ['a BigInt in an array in an array', { m: [[0, 1n]] }, 'payload.m[0][1] is a BigInt', ['m', 0, 1]],
    ['a cycle through an array', (() => { const a: unknown[] = []; a.push({ back: a }); return { a }; })(), 'payload.a[0].back refers back to payload.a', ['a', 0, 'back']],
    ['a function returned by toJSON', { v: { toJSON: () => () => 1 } }, 'payload.v is a function', ['v']],
    ['-Infinity', { t: -Infinity }, 'payload.t is -Infinity', ['t']],
  ])('refuses %s with its path', (_label, payload, message, path) => {
    const error = (() => {
      try {
        checkPayloadJson(Plain, payload);
      } catch (e) {
        return e as JobValidationError;
      }
      throw new Error('expected a JobValidationError');
    })();
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.message).toContain(message);
    expect(error.issues[0]?.path).toEqual(path);
  });

  it('accepts a value shared by two properties, which JSON writes twice', () => {
    const shared = { n: 1 };
    expect(() => checkPayloadJson(Plain, { a: shared, b: [shared, shared] })).not.toThrow();
  });

  it('reports a toJSON that throws as a payload JSON cannot carry, with its path', () => {
    expect(() => checkPayloadJson(Plain, { v: { toJSON() { throw new Error('nope'); } } })).toThrow(
      /^Invalid payload for job "plain": payload\.v cannot be serialized to JSON \(nope\)\. Nothing was sent\.$/,
    );
  });

  it('is part of validatePayload, before the schema runs', async () => {
    await expect(validatePayload(Plain, { n: 1n })).rejects.toThrow(JobValidationError);
  });
});

describe('validateSendOptions', () => {
  it.each([
    ['send', { tz: 'UTC' }, /unknown option "tz"/],
    ['sendMany', { db: {} }, /unknown option "db"/],
    ['flow', { debounce: { seconds: 1 } }, /unknown option "debounce"/],
    ['schedule', { id: '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d' }, /unknown option "id"/],
    ['transaction', { priority: 1 }, /^Invalid options for JobsService\.sendMany\/flow of job "q": unknown option "priority" \(known: db\)/],
    ['send', { startAfter: '2026-13-01' }, /startAfter must be/],
    ['send', { throttle: { seconds: 1, keys: 'x' } }, /throttle has unknown field\(s\) "keys"/],
    ['send', { group: { id: 'g', tier: '' } }, /group tier must be a non-empty string/],
  ] as const)('refuses for %s: %j', (kind, options, message) => {
    expect(() => validateSendOptions(kind, 'q', options)).toThrow(message);
  });

  it.each([
    ['send', { startAfter: 30 }],
    ['send', { startAfter: '2026-03-01 10:00' }],
    ['send', { startAfter: '2026-03-01T10:00:00+01:00' }],
    ['send', { startAfter: new Date() }],
    ['send', { priority: -2_147_483_648, singletonKey: 'k', throttle: { seconds: 60, key: 'u1' } }],
    ['send', { retryBackoff: true, retryDelayMax: 30, undefinedIsIgnored: undefined }],
    ['schedule', { tz: 'Europe/Berlin', key: 'nightly.v2' }],
  ] as const)('accepts for %s: %j', (kind, options) => {
    expect(() => validateSendOptions(kind, 'q', options)).not.toThrow();
  });

  it('takes any spelling of a uuid PostgreSQL accepts as a job id', () => {
    expect(isJobId('0B7C0D4E-3A1F-4A5E-9C1D-2F3E4A5B6C7D')).toBe(true);
    expect(isJobId('{0b7c0d4e3a1f4a5e9c1d2f3e4a5b6c7d}')).toBe(true);
    expect(isJobId("0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d'")).toBe(false);
  });
});

describe('validateModuleOptions', () => {
  it('never quotes the value of a connection option', () => {
    const secret = 'postgres://app:pw-Zx81@db/app';
    const attempts = [{ connectionString: 42 }, { connection: 'x' }, { boss: {} }, { connection: { connectionString: secret, schema: 'a b' } }];
    for (const options of attempts) {
      const error = (() => {
        try {
          validateModuleOptions(options as never);
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a JobsConfigurationError');
      })();
      expect(error).toBeInstanceOf(JobsConfigurationError);
      expect(error.message).not.toContain('pw-Zx81');
    }
  });

  it.each(['pgboss', 'App_Jobs', '_x', '"Jobs Schema"', '"ünïcode"'])('accepts the schema %s', (schema) => {
    expect(validateModuleOptions({ schema })).toEqual({ schema });
  });
});

describe('redactSecrets', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/app', 'postgres://app:***@db:5432/app'],
    ['connect postgresql://u:p%40ss@h/d failed', 'connect postgresql://u:***@h/d failed'],
    ['host=db password=s3cret user=app', 'host=db password=*** user=app'],
    ["password = 'a b c' dbname=x", 'password=*** dbname=x'],
    ['postgres://db/app?sslmode=require&password=s3cret', 'postgres://db/app?sslmode=require&password=***'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
  ])('masks %s', (text, masked) => {
    expect(redactSecrets(text)).toBe(masked);
  });

  it('is applied to the cause quoted by the start error', () => {
    expect(DATABASE_UNREACHABLE(3, 'cannot reach postgres://app:pw@db/app')).toContain('postgres://app:***@db/app');
  });
});

describe('schemaIdentifier', () => {
  it.each([
    ['pgboss', '"pgboss"'],
    ['MyJobs', '"myjobs"'],
    ['"MyJobs"', '"MyJobs"'],
  ])('writes %s as pg-boss means it: %s', (schema, sql) => {
    expect(schemaIdentifier(schema)).toBe(sql);
  });
});
