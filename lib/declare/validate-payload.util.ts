import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import { PAYLOAD_INVALID, PAYLOAD_NOT_JSON, PAYLOAD_NOT_OBJECT, PAYLOAD_TOO_LARGE } from '../errors/jobs.messages.js';
import { describeText, describeValue } from '../utils/describe-value.util.js';

/**
 * Default largest payload `send`, `sendMany`, `flow` and `schedule` accept, in bytes of its JSON:
 * 1 MiB. pg-boss stores the payload as one `jsonb` value in the job row, and every fetch reads
 * whole rows, so a large payload slows every fetch of its queue. Store big data elsewhere and send
 * its key.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Where a payload is being checked, for messages: `{ label: 'sendMany item 3' }`. */
export interface PayloadCheckOptions {
  /** Largest JSON size in bytes; default {@link DEFAULT_MAX_PAYLOAD_BYTES}. */
  maxBytes?: number;
  /** Which payload of the call this is, when the call carries several. */
  label?: string;
}

/** The synchronous part of {@link validatePayload}: a payload must be an object, null or absent. */
export function checkPayloadShape(definition: JobDefinition<any, any>, data: unknown, label?: string): void {
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    const got = Array.isArray(data) ? 'an array' : typeof data;
    throw new JobValidationError(PAYLOAD_NOT_OBJECT(definition.name, got, label), definition.name);
  }
}

/**
 * Deepest nesting of objects and arrays a payload may have: 128 levels (the payload object itself is
 * level 1). Real payloads are a few levels deep; a payload nested thousands of levels deep is an
 * attack on everything that walks it (this check, schema validators, PostgreSQL's JSON parser),
 * so it is refused at `send` with the path where it goes too deep.
 */
export const MAX_PAYLOAD_DEPTH = 128;

/**
 * Checks that a payload survives the trip through JSON unchanged, fits the size limit and the depth
 * limit ({@link MAX_PAYLOAD_DEPTH}), before anything is written. JSON.stringify (which pg-boss and pg
 * use) throws on a BigInt or a cycle and silently drops or rewrites functions, symbols, NaN,
 * Infinity, Map and Set: all of those are refused here with the path of the value. `undefined`
 * properties are left out, as JSON does; values with `toJSON` (Date, Decimal...) are checked as
 * what `toJSON` returns. Returns the payload's size in bytes of JSON.
 *
 * One walk, without building the JSON: the size is counted as the walk goes and the walk stops as
 * soon as the payload is over `maxBytes`, so neither a huge payload nor one that repeats a large
 * value by reference allocates more than the walk's stack. The path of a value is kept as one
 * stack of keys and copied only for an error.
 */
export function checkPayloadJson(
  definition: JobDefinition<any, any>,
  data: unknown,
  { maxBytes = DEFAULT_MAX_PAYLOAD_BYTES, label }: PayloadCheckOptions = {},
): number {
  if (data === undefined || data === null) return 0;
  const queue = definition.name;
  const walk = new JsonWalk(maxBytes);
  try {
    walk.value(data, '');
  } catch (error) {
    if (error instanceof TooLarge) {
      throw new JobValidationError(PAYLOAD_TOO_LARGE(queue, walk.bytes, maxBytes, label), queue, [
        { message: `payload is more than ${maxBytes} bytes of JSON (at least ${walk.bytes})` },
      ]);
    }
    if (error instanceof NotJson) {
      throw new JobValidationError(
        PAYLOAD_NOT_JSON(queue, formatPath(error.path), error.problem, label),
        queue,
        [{ message: error.problem, path: error.path }],
      );
    }
    // A toJSON that throws, or a getter or Proxy trap that does: JSON.stringify would throw too.
    const path = walk.path.slice();
    const problem = `cannot be serialized to JSON (${describeText(String((error as Error | null)?.message ?? error))})`;
    throw new JobValidationError(PAYLOAD_NOT_JSON(queue, formatPath(path), problem, label), queue, [
      { message: problem, path },
    ]);
  }
  return walk.bytes;
}

/**
 * Checks a payload against its definition: it must be an object (pg-boss stores JSON objects), be
 * plain JSON within the size and depth limits ({@link checkPayloadJson}) and pass the definition's
 * Standard Schema when it has one. Returns the schema's output (which may be transformed) or the
 * payload itself; throws {@link JobValidationError}.
 */
export async function validatePayload<I, O>(
  definition: JobDefinition<I, O>,
  data: unknown,
  options: PayloadCheckOptions = {},
): Promise<O> {
  checkPayloadShape(definition, data, options.label);
  checkPayloadJson(definition, data, options);
  return checkPayloadSchema(definition, data, options.label);
}

/**
 * The worker's check of a fetched payload: its shape and the definition's schema. A fetched payload
 * was parsed from the job row's `jsonb`, so it is JSON by construction, and it is already stored:
 * neither the JSON walk nor the size limit (a send-time limit; the sending app may allow more) can
 * tell the worker anything but a reason to lose the job.
 */
export async function validateFetchedPayload<I, O>(definition: JobDefinition<I, O>, data: unknown): Promise<O> {
  checkPayloadShape(definition, data);
  return checkPayloadSchema(definition, data);
}

async function checkPayloadSchema<I, O>(definition: JobDefinition<I, O>, data: unknown, label?: string): Promise<O> {
  const schema = definition.schema;
  if (!schema) return data as O;
  const result = await schema['~standard'].validate(data);
  if (result.issues) {
    const summary = result.issues
      .slice(0, 5)
      .map((issue) => {
        const path = issue.path
          ?.slice(0, 20)
          .map((p) => describeText(String(typeof p === 'object' ? p.key : p), 40))
          .join('.');
        const message = describeText(String(issue.message), 200);
        return path ? `${path}: ${message}` : message;
      })
      .join('; ');
    throw new JobValidationError(PAYLOAD_INVALID(definition.name, summary, label), definition.name, result.issues);
  }
  return result.value;
}

class NotJson extends Error {
  constructor(
    readonly path: ReadonlyArray<string | number>,
    readonly problem: string,
  ) {
    super(problem);
  }
}

class TooLarge extends Error {}

/**
 * Counts the bytes of the JSON of a value as JSON.stringify would write it, refusing what JSON
 * cannot carry. Recursion is bounded by {@link MAX_PAYLOAD_DEPTH}.
 */
class JsonWalk {
  bytes = 0;
  /** Keys from the payload to the value being walked. */
  readonly path: Array<string | number> = [];
  /** The objects and arrays being walked (the ancestors of the current value): a cycle returns to one. */
  private readonly open: object[] = [];
  private readonly openSet = new Set<object>();

  constructor(private readonly maxBytes: number) {}

  /** Counts `value`, found under `key`; false when JSON leaves it out (`undefined`). */
  value(found: unknown, key: string | number): boolean {
    if ((typeof found === 'object' && found !== null) || typeof found === 'bigint') {
      const toJSON = (found as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.serialize(toJSON.call(found, String(key)));
    }
    return this.serialize(found);
  }

  /** Counts `value` as JSON writes it once its `toJSON` has run. */
  private serialize(value: unknown): boolean {
    switch (typeof value) {
      case 'string':
        this.add(jsonStringBytes(value));
        return true;
      case 'number':
        if (!Number.isFinite(value)) throw this.notJson(`is ${value}, which JSON stores as null; send a finite number or null`);
        this.add(String(value).length);
        return true;
      case 'boolean':
        this.add(value ? 4 : 5);
        return true;
      case 'undefined':
        return false;
      case 'bigint':
        throw this.notJson('is a BigInt, which JSON cannot represent; send it as a string (value.toString())');
      case 'function':
        throw this.notJson('is a function, which JSON drops; send data only');
      case 'symbol':
        throw this.notJson('is a symbol, which JSON drops; send a string');
    }
    if (value === null) {
      this.add(4);
      return true;
    }
    const object = value as object;
    if (object instanceof Map) throw this.notJson('is a Map, which JSON stores as {}; send Object.fromEntries(map)');
    if (object instanceof Set) throw this.notJson('is a Set, which JSON stores as {}; send Array.from(set)');
    // new Number(1), new String('a'), new Boolean(true), Object(1n): JSON writes (or refuses) the primitive.
    if (object instanceof Number || object instanceof String || object instanceof Boolean || object instanceof BigInt) {
      return this.serialize(object.valueOf());
    }
    if (this.openSet.has(object)) {
      const at = this.open.indexOf(object);
      throw this.notJson(`refers back to ${formatPath(this.path.slice(0, at))} (a circular reference)`);
    }
    if (this.open.length >= MAX_PAYLOAD_DEPTH) {
      throw this.notJson(
        `is nested ${this.open.length + 1} levels deep, deeper than the ${MAX_PAYLOAD_DEPTH} levels a payload may have; send flatter data`,
      );
    }
    this.open.push(object);
    this.openSet.add(object);
    if (Array.isArray(object)) {
      // [ ] and the commas
      this.add(object.length === 0 ? 2 : object.length + 1);
      for (let i = 0; i < object.length; i++) {
        this.path.push(i);
        // undefined in an array is written as null
        if (!this.value(object[i], i)) this.add(4);
        this.path.pop();
      }
    } else {
      let written = 0;
      this.add(2);
      for (const name of Object.keys(object)) {
        this.path.push(name);
        if (this.value((object as Record<string, unknown>)[name], name)) {
          // "name": and a comma before every property but the first
          this.add(jsonStringBytes(name) + 1 + (written > 0 ? 1 : 0));
          written++;
        }
        this.path.pop();
      }
    }
    this.open.pop();
    this.openSet.delete(object);
    return true;
  }

  private add(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) throw new TooLarge();
  }

  private notJson(problem: string): NotJson {
    return new NotJson(this.path.slice(), problem);
  }
}

// What JSON.stringify writes differently from the string's UTF-8 bytes: quotes, backslashes and
// control characters are escaped, and a lone surrogate is written as \udxxx.
const ESCAPED = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPED_ALL = new RegExp(ESCAPED.source, 'g');
const SHORT_ESCAPES = '"\\\b\f\n\r\t';

/** Bytes of `JSON.stringify(text)` in UTF-8, without building it. */
export function jsonStringBytes(text: string): number {
  const plain = Buffer.byteLength(text, 'utf8') + 2;
  if (!ESCAPED.test(text)) return plain;
  let extra = 0;
  for (const [c] of text.matchAll(ESCAPED_ALL)) {
    const code = c.charCodeAt(0);
    if (code >= 0xd800) extra += 3; // lone surrogate: \udxxx (6 bytes) instead of U+FFFD (3)
    else if (SHORT_ESCAPES.includes(c)) extra += 1; // \" \\ \n ...
    else extra += 5; // \u00xx
  }
  return plain + extra;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Segments a path in a message shows at most: the first and the last ones. */
const PATH_HEAD = 8;
const PATH_TAIL = 4;

/**
 * `payload.user.tags[2]`, with bracketed quotes for keys that are not identifiers. Long keys are cut
 * and a deep path shows its first and last segments (`payload.a.a…(120 more).a.a`), so a hostile
 * payload cannot make the message long.
 */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = 'payload';
  const segment = (s: string | number) => {
    if (typeof s === 'number') out += `[${s}]`;
    else out += IDENTIFIER.test(s) && s.length <= 40 ? `.${s}` : `[${describeValue(s, 40)}]`;
  };
  if (path.length <= PATH_HEAD + PATH_TAIL) {
    for (const s of path) segment(s);
    return out;
  }
  for (const s of path.slice(0, PATH_HEAD)) segment(s);
  out += `…(${path.length - PATH_HEAD - PATH_TAIL} more)`;
  for (const s of path.slice(-PATH_TAIL)) segment(s);
  return out;
}
