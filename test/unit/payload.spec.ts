import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { defineJob, JobsConfigurationError, JobValidationError } from '../../lib/index.js';
import { validatePayload } from '../../lib/declare/validate-payload.util.js';
import { serializeError } from '../../lib/utils/serialize-error.util.js';

describe('defineJob', () => {
  it('freezes the definition', () => {
    const def = defineJob('a', { retryLimit: 1 });
    expect(Object.isFrozen(def)).toBe(true);
    expect(Object.isFrozen(def.options)).toBe(true);
    expect(def).toEqual({ name: 'a', options: { retryLimit: 1 }, schema: undefined });
  });

  it('refuses an invalid queue name', () => {
    expect(() => defineJob("x'; drop table")).toThrow(JobsConfigurationError);
  });

  it('refuses a schema that does not implement Standard Schema', () => {
    expect(() => defineJob('b', { schema: { parse() {} } as never })).toThrow(/must implement Standard Schema v1/);
  });
});

describe('validatePayload', () => {
  const Plain = defineJob<{ id: string }>('plain');
  const Schema = defineJob('schema', { schema: z.object({ n: z.coerce.number() }) });

  it('accepts objects and nothing for a definition without schema', async () => {
    await expect(validatePayload(Plain, { id: 'x' })).resolves.toEqual({ id: 'x' });
    await expect(validatePayload(Plain, undefined)).resolves.toBeUndefined();
  });

  it.each([
    ['a string', 'text'],
    ['a number', 42],
    ['an array', [1, 2]],
  ])('refuses %s: pg-boss stores objects', async (label, value) => {
    const error = await validatePayload(Plain, value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as Error).message).toBe(`Invalid payload for job "plain": pg-boss stores an object (or nothing), got ${label === 'an array' ? 'an array' : typeof value}.`);
  });

  it('returns the schema output and reports issues with their path', async () => {
    await expect(validatePayload(Schema, { n: '3' })).resolves.toEqual({ n: 3 });
    const error = (await validatePayload(Schema, { n: 'x' }).catch((e: unknown) => e)) as JobValidationError;
    expect(error.queue).toBe('schema');
    expect(error.message).toMatch(/^Invalid payload for job "schema": n: /);
    expect(error.issues).toHaveLength(1);
  });
});

describe('serializeError', () => {
  it('keeps name, message, stack and JSON-safe own properties of an Error', () => {
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD', circular: {} as Record<string, unknown> });
    error.circular.self = error.circular;
    const out = serializeError(error);
    expect(out).toMatchObject({ name: 'TypeError', message: 'bad', code: 'E_BAD' });
    expect(out.stack).toContain('TypeError: bad');
    expect(out).not.toHaveProperty('circular');
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['an object', { reason: 'x' }, '{"reason":"x"}'],
    ['undefined', undefined, 'undefined'],
    ['a BigInt', 10n, '10'],
  ])('turns %s thrown by a handler into a storable object', (_label, value, message) => {
    expect(serializeError(value)).toEqual({ name: 'NonError', message });
  });
});
