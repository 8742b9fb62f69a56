/**
 * How values given to the module appear in its error and log messages. Every message that echoes
 * something a caller passed goes through {@link describeValue} (or {@link describeText} for text
 * that is already a message), so that no message ever:
 * - serialises an object (a `pg.Pool` passed as `db` carries its connection string and password);
 * - grows with its input (a 50 MB string given as `priority` is not copied into the error);
 * - writes a line break or a terminal control character (an option key with a newline would write
 *   a fake line into the app's logs).
 */

/** Longest text, in characters, that a message quotes from one value; longer text is cut. */
export const MAX_ECHOED_CHARS = 120;

/**
 * A value as it appears in a message. Scalars are written as code would write them (`"text"`, `42`,
 * `NaN`, `10n`, `undefined`), strings quoted with every control character escaped and cut at
 * `max` characters (`"aaa…" (50000000 characters)`). Objects are described, never serialised:
 * `an array of 3 items`, `an object with keys host, port`, `an instance of Pool`, `a Date (2026-01-01T00:00:00.000Z)`.
 */
export function describeValue(value: unknown, max = MAX_ECHOED_CHARS): string {
  switch (typeof value) {
    case 'string':
      return quote(value, max);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return cut(`${value}n`, max);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return value.name ? `a function ${describeText(value.name, 40)}` : 'a function';
    default:
      return value === null ? 'null' : describeObject(value as object, max);
  }
}

/**
 * Text that goes into a message as it is (an error message from a driver or a schema library, a
 * path): control characters and line breaks escaped, cut at `max` characters.
 */
export function describeText(text: string, max = MAX_ECHOED_CHARS): string {
  if (text.length <= max) return escapeControls(text);
  return `${escapeControls(text.slice(0, max))}… (${text.length} characters)`;
}

function describeObject(value: object, max: number): string {
  try {
    if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? 'an invalid Date' : `a Date (${value.toISOString()})`;
    }
    if (value instanceof Map || value instanceof Set) {
      return `a ${value instanceof Map ? 'Map' : 'Set'} of ${value.size} entr${value.size === 1 ? 'y' : 'ies'}`;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === null || prototype === Object.prototype) {
      const keys = Object.keys(value);
      if (keys.length === 0) return 'an empty object';
      const shown = keys.slice(0, 5).map((key) => describeText(key, 30));
      const more = keys.length > shown.length ? `, … (${keys.length} keys)` : '';
      return cut(`an object with key${keys.length === 1 ? '' : 's'} ${shown.join(', ')}${more}`, max);
    }
    const name = (prototype as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
    return typeof name === 'string' && name !== '' ? `an instance of ${describeText(name, 40)}` : 'an object';
  } catch {
    // A Proxy or a getter that throws: nothing more can be said safely.
    return 'an object';
  }
}

function quote(text: string, max: number): string {
  // Quoting the whole of a long string first would copy all of it: cut it before.
  const head = text.length > max ? text.slice(0, max) : text;
  const quoted = escapeControls(JSON.stringify(head));
  return text.length > max ? `${quoted.slice(0, -1)}…" (${text.length} characters)` : quoted;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

// C0 controls (line breaks, ESC of terminal sequences), DEL, C1 controls and the Unicode line and
// paragraph separators, which some log viewers also break lines on. JSON.stringify escapes only C0.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}
