// The payload check's bounds (issue 11, 1b.1): it counts the size without building the JSON, stops
// at the size limit, refuses nesting deeper than MAX_PAYLOAD_DEPTH, and keeps one path stack.
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobValidationError } from '../../lib/index.js';
import {
  checkPayloadJson,
  formatPath,
  jsonStringBytes,
  MAX_PAYLOAD_DEPTH,
} from '../../lib/declare/validate-payload.util.js';

const Plain = defineJob<Record<string, unknown>>('plain');

/** `{ a: { a: ... { a: inner } } }`, `levels` objects deep around `inner`. */
const nest = (levels: number, inner: unknown): Record<string, unknown> => {
  let value = inner;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
};

const refusal = (payload: unknown, maxBytes?: number): JobValidationError => {
  try {
    checkPayloadJson(Plain, payload, { maxBytes });
  } catch (error) {
    if (error instanceof JobValidationError) return error;
    throw error;
  }
  throw new Error('expected a JobValidationError');
};

describe('checkPayloadJson bounds', () => {
  it('refuses a payload nested thousands of levels deep around thousands of objects, in bounded memory', () => {
    // The probe's payload: ~3,000 objects deep around an array of 60,000 {} (about 200 KB of JSON,
    // well under 1 MiB). The old check copied the path per object: 60,000 paths of 3,000 keys.
    const hostile = nest(3_000, Array.from({ length: 60_000 }, () => ({})));
    const heapBefore = getHeapStatistics().total_heap_size;
    const error = refusal(hostile);
    const heapGrowth = getHeapStatistics().total_heap_size - heapBefore;
    expect(error.message).toMatch(
      new RegExp(
        `^Invalid payload for job "plain": payload(\\.a){8}…\\(${MAX_PAYLOAD_DEPTH - 12} more\\)(\\.a){4} is nested ${MAX_PAYLOAD_DEPTH + 1} levels deep, ` +
          `deeper than the ${MAX_PAYLOAD_DEPTH} levels a payload may have; send flatter data\\. Nothing was sent\\.$`,
      ),
    );
    expect(error.issues[0]?.path).toEqual(Array.from({ length: MAX_PAYLOAD_DEPTH }, () => 'a'));
    // The V8 heap did not grow by anything like the payload times its depth (the old check reached
    // gigabytes here; the walk holds one stack of at most MAX_PAYLOAD_DEPTH keys).
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
  });

  it(`accepts ${MAX_PAYLOAD_DEPTH} levels and refuses one more`, () => {
    // The payload object is level 1: MAX_PAYLOAD_DEPTH - 1 wrappers around {} is exactly the limit.
    expect(() => checkPayloadJson(Plain, nest(MAX_PAYLOAD_DEPTH - 1, {}))).not.toThrow();
    expect(refusal(nest(MAX_PAYLOAD_DEPTH, {})).message).toContain(`is nested ${MAX_PAYLOAD_DEPTH + 1} levels deep`);
    expect(MAX_PAYLOAD_DEPTH).toBe(128);
  });

  it('accepts a wide payload within the limits: 60,000 objects at the deepest level allowed', () => {
    const wide = nest(MAX_PAYLOAD_DEPTH - 2, Array.from({ length: 60_000 }, () => ({})));
    expect(checkPayloadJson(Plain, wide)).toBe(Buffer.byteLength(JSON.stringify(wide)));
  });

  it('stops at the size limit without serialising a value repeated by reference', () => {
    // 2,000 references to one 1 MB string: 2 GB of JSON, more than a string can hold. Refused as
    // soon as the count passes the limit, on the second reference.
    const big = 'x'.repeat(1_000_000);
    const error = refusal({ list: Array.from({ length: 2_000 }, () => big) });
    // counted when it stopped: {} (2), the array's brackets and commas (2 + 1,999), two strings
    // of 1,000,002 bytes with their quotes
    expect(error.message).toMatch(/^Payload of job "plain" is over the 1048576-byte limit \(at least 2002007 bytes of JSON\)\./);
  });

  it.each([
    ['ASCII', { a: 'plain text', n: 12, f: -0.5, e: 1e21, z: -0, t: true, no: false, nil: null }],
    ['escapes', { 'quote"key': 'a"b\\c\nd\te\r\b\f', ctrl: '\u0000\u0001\u001f\u007f' }],
    ['multi-byte and surrogate pairs', { 'é': 'ü€😀𝄞', mixed: 'a😀b' }],
    ['lone surrogates', { hi: 'x\ud83dy', lo: '\ude00', end: 'z\ud83d' }],
    ['arrays with holes and undefined', { list: [1, undefined, , 'x', [], {}, [[null]]] }],
    ['undefined properties, toJSON and wrappers', { gone: undefined, at: new Date(0), n: new Number(3), s: new String('é'), b: new Boolean(false), nested: { toJSON: () => ({ x: [1, 2] }) } }],
    ['keys that need escaping', { '\n': 1, '😀': 2, '': 3 }],
  ])('counts exactly the bytes JSON.stringify writes: %s', (_label, payload) => {
    expect(checkPayloadJson(Plain, payload)).toBe(Buffer.byteLength(JSON.stringify(payload), 'utf8'));
  });

  it('counts string bytes as JSON writes them, for every UTF-16 code unit', () => {
    for (let code = 0; code < 0x10000; code++) {
      const text = `a${String.fromCharCode(code)}b`;
      if (jsonStringBytes(text) !== Buffer.byteLength(JSON.stringify(text))) {
        throw new Error(`wrong size for U+${code.toString(16)}`);
      }
    }
  });

  it('refuses a BigInt wrapper object as JSON.stringify does', () => {
    expect(refusal({ n: Object(1n) }).message).toContain('payload.n is a BigInt');
  });

  it('keeps messages short for long and hostile keys in a path', () => {
    const key = `k\n${'x'.repeat(10_000)}`;
    const message = refusal({ [key]: 1n }).message;
    expect(message).toMatch(/^Invalid payload for job "plain": payload\["k\\nx+…" \(10002 characters\)\] is a BigInt/);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(300);
    expect(formatPath(Array.from({ length: 1_000 }, (_, i) => i))).toBe(
      'payload[0][1][2][3][4][5][6][7]…(988 more)[996][997][998][999]',
    );
  });
});
