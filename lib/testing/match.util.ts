import { inspect } from 'node:util';

/** A payload with every property optional, at every depth: what partial expectations accept. */
export type DeepPartial<T> = T extends Date | RegExp | ((...args: any[]) => unknown)
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<DeepPartial<E>>
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/**
 * True when `actual` contains `expected`: objects match on the keys `expected` lists (recursively),
 * arrays element by element with the same length, dates by time, anything else by `Object.is`.
 */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (expected instanceof Date) return actual instanceof Date && actual.getTime() === expected.getTime();
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => matchesPartial(actual[i], item))
    );
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return false;
    return Object.entries(expected).every(([key, value]) =>
      matchesPartial((actual as Record<string, unknown>)[key], value),
    );
  }
  return Object.is(actual, expected);
}

/** Longest text an assertion message shows for one value. */
const MAX_SHOWN_CHARS = 2_000;

/**
 * One line per value, compact, for assertion messages. Payloads are shown whole (that is what the
 * assertion is about) but bounded: long strings and arrays are cut by `inspect`, the whole by
 * {@link MAX_SHOWN_CHARS}, and `inspect` escapes control characters in strings and keys.
 */
export function show(value: unknown): string {
  const text = inspect(value, {
    depth: 6,
    breakLength: Infinity,
    compact: true,
    sorted: true,
    maxStringLength: 200,
    maxArrayLength: 50,
  });
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}… (${text.length} characters)` : text;
}
