import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import { PAYLOAD_INVALID, PAYLOAD_NOT_JSON, PAYLOAD_NOT_OBJECT, PAYLOAD_TOO_LARGE } from '../jobs.messages.js';

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
 * Checks that a payload survives the trip through JSON unchanged and fits the size limit, before
 * anything is written. JSON.stringify (which pg-boss and pg use) throws on a BigInt or a cycle and
 * silently drops or rewrites functions, symbols, NaN, Infinity, Map and Set: all of those are
 * refused here with the path of the value. `undefined` properties are left out, as JSON does;
 * values with `toJSON` (Date, Decimal...) are checked as what `toJSON` returns. Returns the
 * payload's size in bytes.
 */
export function checkPayloadJson(
  definition: JobDefinition<any, any>,
  data: unknown,
  { maxBytes = DEFAULT_MAX_PAYLOAD_BYTES, label }: PayloadCheckOptions = {},
): number {
  if (data === undefined || data === null) return 0;
  const queue = definition.name;
  // The path of each object being serialized, by identity: the replacer only sees (holder, key).
  const paths = new WeakMap<object, ReadonlyArray<string | number>>();
  let json: string;
  try {
    json = JSON.stringify(data, function (this: unknown, key: string, value: unknown) {
      const problem = jsonProblem(value);
      const isObject = typeof value === 'object' && value !== null;
      // Paths are only built for objects and offending values: most values are neither.
      if (!problem && !isObject) return value;
      const parent = paths.get(this as object);
      const path = parent === undefined ? [] : [...parent, Array.isArray(this) ? Number(key) : key];
      if (problem) throw new NotJson(path, problem);
      if (isObject) {
        const seen = paths.get(value);
        // Seen before at an ancestor path: the value contains itself. (Seen elsewhere is only a
        // shared reference, which JSON writes twice.)
        if (seen !== undefined && seen.length < path.length && seen.every((segment, i) => segment === path[i])) {
          throw new NotJson(path, `refers back to ${formatPath(seen)} (a circular reference)`);
        }
        paths.set(value, path);
      }
      return value;
    });
  } catch (error) {
    if (error instanceof NotJson) {
      throw new JobValidationError(
        PAYLOAD_NOT_JSON(queue, formatPath(error.path), error.problem, label),
        queue,
        [{ message: error.problem, path: error.path }],
      );
    }
    // Anything else JSON.stringify throws (a toJSON that throws, a cycle through toJSON output).
    throw new JobValidationError(
      PAYLOAD_NOT_JSON(queue, 'payload', `cannot be serialized to JSON (${(error as Error).message})`, label),
      queue,
      [],
    );
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    throw new JobValidationError(PAYLOAD_TOO_LARGE(queue, bytes, maxBytes, label), queue, [
      { message: `payload is ${bytes} bytes, the limit is ${maxBytes}` },
    ]);
  }
  return bytes;
}

/**
 * Checks a payload against its definition: it must be an object (pg-boss stores JSON objects), be
 * plain JSON within the size limit ({@link checkPayloadJson}) and pass the definition's Standard
 * Schema when it has one. Returns the schema's output (which may be transformed) or the payload
 * itself; throws {@link JobValidationError}.
 */
export async function validatePayload<I, O>(
  definition: JobDefinition<I, O>,
  data: unknown,
  options: PayloadCheckOptions = {},
): Promise<O> {
  checkPayloadShape(definition, data, options.label);
  checkPayloadJson(definition, data, options);
  const schema = definition.schema;
  if (!schema) return data as O;
  const result = await schema['~standard'].validate(data);
  if (result.issues) {
    const summary = result.issues
      .slice(0, 5)
      .map((issue) => {
        const path = issue.path
          ?.map((p) => (typeof p === 'object' ? String(p.key) : String(p)))
          .join('.');
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join('; ');
    throw new JobValidationError(
      PAYLOAD_INVALID(definition.name, summary, options.label),
      definition.name,
      result.issues,
    );
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

function jsonProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint':
      return 'is a BigInt, which JSON cannot represent; send it as a string (value.toString())';
    case 'function':
      return 'is a function, which JSON drops; send data only';
    case 'symbol':
      return 'is a symbol, which JSON drops; send a string';
    case 'number':
      return Number.isFinite(value) ? undefined : `is ${value}, which JSON stores as null; send a finite number or null`;
    case 'object':
      if (value instanceof Map) return 'is a Map, which JSON stores as {}; send Object.fromEntries(map)';
      if (value instanceof Set) return 'is a Set, which JSON stores as {}; send Array.from(set)';
      return undefined;
    default:
      return undefined;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `payload.user.tags[2]`, with bracketed quotes for keys that are not identifiers. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = 'payload';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}
