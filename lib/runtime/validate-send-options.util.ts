import { JobValidationError } from '../errors/job-validation.error.js';
import { INVALID_SEND_OPTION, show } from '../errors/jobs.messages.js';
import { isQueueName, optionProblem } from '../declare/validate-options.util.js';
import { MAX_QUEUE_NAME_LENGTH } from '../utils/queue-name.util.js';

/**
 * Which call the options were given to: each accepts its own set of keys. `transaction` is the
 * call-wide `{ db }` of `sendMany` and `flow`.
 */
export type SendOptionsKind = 'send' | 'sendMany' | 'flow' | 'schedule' | 'transaction';

/** A problem with an option; `got` replaces the echo of the value when echoing it would not help. */
export type Problem = string | { problem: string; got: string };
type Rule = (value: unknown, all: Record<string, unknown>) => Problem | undefined;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
// Any spelling PostgreSQL's uuid type accepts (pg-boss's own rule for ids it reads back).
const UUID = /^(?:\{[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}\}|[0-9a-f]{4}(?:-?[0-9a-f]{4}){7})$/i;

/**
 * Most UTF-8 bytes of a `singletonKey`, a throttle/debounce `key` and a `group` id or tier (a
 * schedule `key` follows the queue-name rule). pg-boss indexes the key and the group id together with the queue name and a few
 * fixed-size columns (`job_i10`: name, key, state, created_on, id, start_after; `job_i7`: name,
 * group id), and PostgreSQL refuses an index row over 2704 bytes: a job over it is never inserted
 * (a key) or, worse, is inserted and then fails every fetch of its queue (a group id, indexed once
 * the job is active). 1024 bytes leaves room, under 2704, for the longest queue name (255 characters) and the other
 * columns.
 */
export const MAX_KEY_BYTES = 1024;

/**
 * Furthest ahead a `startAfter` may place a job: 366 days. A delay beyond it is almost always a unit
 * mistake (milliseconds given as seconds: a one-day delay in milliseconds is 2.7 years), and a job
 * parked for years outlives the code and the payload schema that will run it; keep such dates in a
 * table and let a recurring job send them when they come close.
 */
export const MAX_START_AFTER_SECONDS = 366 * 24 * 60 * 60;

// ISO 8601 calendar date, optionally with a time (T or a space) and a zone (Z or an offset).
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
/** Earliest instant a `startAfter` date may name: before it is a mistake, and PostgreSQL's range ends earlier than JavaScript's. */
const EARLIEST_START_AFTER = Date.UTC(1970, 0, 1);

const queueOption = (key: string): Rule => (value, all) => optionProblem(key, value, all);

const period: Rule = (value) => {
  if (typeof value !== 'object' || value === null) return 'must be { seconds, key? }';
  const { seconds, key, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `has unknown field(s) ${Object.keys(rest).slice(0, 5).map((k) => show(k)).join(', ')} (known: seconds, key)`;
  if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > INT32_MAX) {
    return 'seconds must be an integer >= 1';
  }
  if (key === undefined) return undefined;
  const problem = keyProblem(key);
  if (problem === undefined) return undefined;
  return typeof problem === 'string' ? `key ${problem}` : { ...problem, problem: `key ${problem.problem}` };
};

/** Every option `send` takes, with its rule; the other calls take subsets. */
const RULES: Record<string, Rule> = {
  id: (v) => (typeof v === 'string' && UUID.test(v) ? undefined : 'must be a uuid'),
  priority: (v) =>
    Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX
      ? undefined
      : `must be an integer between ${INT32_MIN} and ${INT32_MAX}`,
  startAfter: (v) => startAfterProblem(v),
  singletonKey: (v) => keyProblem(v),
  throttle: (v, all) =>
    period(v, all) ?? (all.debounce !== undefined ? 'cannot be combined with debounce; choose one' : undefined),
  debounce: period,
  group: (v) => {
    const group = v as { id?: unknown; tier?: unknown } | null;
    if (typeof group !== 'object' || group === null) return 'must be { id, tier? }';
    for (const field of ['id', 'tier'] as const) {
      if (field === 'tier' && group.tier === undefined) continue;
      const problem = keyProblem(group[field]);
      if (problem !== undefined) {
        return typeof problem === 'string' ? `${field} ${problem}` : { ...problem, problem: `${field} ${problem.problem}` };
      }
    }
    return undefined;
  },
  db: (v) => {
    if (typeof (v as { executeSql?: unknown } | null)?.executeSql === 'function') return undefined;
    const adapter = 'must be a transaction adapter with executeSql(text, values) (fromPg, fromTypeOrm, fromKnex...)';
    // The likeliest mistake: a pg Pool or Client passed as it is.
    return typeof (v as { query?: unknown } | null)?.query === 'function'
      ? `${adapter}; wrap a pg Pool or client with fromPg(pool)`
      : adapter;
  },
  retryLimit: queueOption('retryLimit'),
  retryDelay: queueOption('retryDelay'),
  retryBackoff: queueOption('retryBackoff'),
  retryDelayMax: queueOption('retryDelayMax'),
  expireInSeconds: queueOption('expireInSeconds'),
  deadLetter: queueOption('deadLetter'),
  // schedule() only
  tz: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be an IANA time zone name such as "Europe/Berlin"'),
  key: (v) =>
    isQueueName(v)
      ? undefined
      : `may only contain letters, digits, "_", "-", "." and "/", at most ${MAX_QUEUE_NAME_LENGTH} characters (the rule for schedule keys)`,
};

const NOT_IN: Record<SendOptionsKind, ReadonlySet<string>> = {
  send: new Set(['tz', 'key']),
  sendMany: new Set(['tz', 'key', 'throttle', 'debounce', 'db']),
  flow: new Set(['tz', 'key', 'throttle', 'debounce', 'db']),
  schedule: new Set(['db', 'id']),
  transaction: new Set(Object.keys(RULES).filter((key) => key !== 'db')),
};

/**
 * Checks the options of one job before anything is written, and throws a
 * {@link JobValidationError} naming the call, the queue, the option and the accepted values.
 * pg-boss checks some of these itself, but with bare assertions that name neither; others it
 * accepts and acts on silently: `startAfter: NaN` or a negative delay runs the job at once, and
 * `startAfter: Infinity` stores a job that never runs. Unknown keys are refused: they are typos.
 */
export function validateSendOptions(kind: SendOptionsKind, queue: string, options: unknown, where?: string): void {
  if (options === undefined) return;
  const method = where ? `${kind} (${where})` : kind === 'transaction' ? 'sendMany/flow' : kind;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new JobValidationError(INVALID_SEND_OPTION(method, queue, `options must be an object, got ${show(options)}`), queue);
  }
  const all = options as Record<string, unknown>;
  const excluded = NOT_IN[kind];
  for (const [key, value] of Object.entries(all)) {
    if (value === undefined) continue;
    // hasOwn: "constructor" or "__proto__" must not find Object.prototype's members.
    const rule = excluded.has(key) || !Object.hasOwn(RULES, key) ? undefined : RULES[key];
    if (!rule) {
      const known = Object.keys(RULES).filter((k) => !excluded.has(k));
      throw new JobValidationError(
        INVALID_SEND_OPTION(method, queue, `unknown option ${show(key)} (known: ${known.join(', ')})`),
        queue,
      );
    }
    const problem = rule(value, all);
    if (problem) {
      const [text, got] = typeof problem === 'string' ? [problem, show(value)] : [problem.problem, problem.got];
      throw new JobValidationError(INVALID_SEND_OPTION(method, queue, `${key} ${text}, got ${got}`), queue);
    }
  }
}

/** Whether `id` is a job id pg-boss can look up (a uuid). */
export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/**
 * The `startAfter` to hand pg-boss for a value {@link validateSendOptions} accepted: seconds as a
 * number rounded to the millisecond (pg-boss adds them to the database's clock; rounding keeps
 * JavaScript from writing an exponent, which PostgreSQL cannot read as an interval), a date as its
 * ISO string in UTC, parsed here rather than by PostgreSQL.
 */
export function resolveStartAfter(value: number | Date | string): number | string {
  if (typeof value === 'number') return Math.round(value * 1000) / 1000;
  return new Date(startAfterInstant(value)!).toISOString();
}

/**
 * The send's `key` (singletonKey, throttle/debounce key, group id or tier) must be text that
 * PostgreSQL can store and index: not empty, no NUL character (a `text` column cannot hold one) and
 * at most {@link MAX_KEY_BYTES} bytes of UTF-8.
 */
export function keyProblem(value: unknown): Problem | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.includes('\u0000')) return { problem: 'must not contain the NUL character (\\u0000), which PostgreSQL text cannot hold', got: 'a string with \\u0000' };
  // Up to 3 UTF-8 bytes per UTF-16 unit: short keys need no count.
  if (value.length * 3 <= MAX_KEY_BYTES) return undefined;
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes <= MAX_KEY_BYTES
    ? undefined
    : { problem: `must be at most ${MAX_KEY_BYTES} bytes of UTF-8 (PostgreSQL indexes it; send a hash of a longer value)`, got: `${bytes} bytes` };
}

function startAfterProblem(value: unknown): Problem | undefined {
  const accepted = 'must be seconds from now (a finite number >= 0), a valid Date or an ISO 8601 date string';
  const bound = `at most ${MAX_START_AFTER_SECONDS} seconds (366 days) ahead`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return accepted;
    return value > MAX_START_AFTER_SECONDS ? `must be ${bound} (seconds, not milliseconds)` : undefined;
  }
  if (!(value instanceof Date) && typeof value !== 'string') return accepted;
  const instant = startAfterInstant(value);
  if (instant === undefined) {
    return typeof value === 'string'
      ? `${accepted} such as "2026-05-01T09:00:00Z" (a date, optionally a time and a Z or ±hh:mm offset; UTC when none; seconds go as a number)`
      : accepted;
  }
  if (instant < EARLIEST_START_AFTER) return 'must not be before 1970-01-01T00:00:00Z';
  return instant - Date.now() > MAX_START_AFTER_SECONDS * 1000 ? `must be ${bound}` : undefined;
}

/** The instant a `startAfter` Date or ISO 8601 string names, in ms since the epoch; `undefined` when it names none. */
function startAfterInstant(value: Date | string): number | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    return Number.isNaN(time) ? undefined : time;
  }
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, oh = '0', om = '0'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  return date.getTime() + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}
