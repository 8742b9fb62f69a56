import { JobValidationError } from '../errors/job-validation.error.js';
import { INVALID_SEND_OPTION, show } from '../jobs.messages.js';
import { isQueueName, optionProblem } from './validate-options.util.js';
import { MAX_QUEUE_NAME_LENGTH } from './queue-name.util.js';

/**
 * Which call the options were given to: each accepts its own set of keys. `transaction` is the
 * call-wide `{ db }` of `sendMany` and `flow`.
 */
export type SendOptionsKind = 'send' | 'sendMany' | 'flow' | 'schedule' | 'transaction';

type Rule = (value: unknown, all: Record<string, unknown>) => string | undefined;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
// Any spelling PostgreSQL's uuid type accepts (pg-boss's own rule for ids it reads back).
const UUID = /^(?:\{[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}\}|[0-9a-f]{4}(?:-?[0-9a-f]{4}){7})$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const SECONDS = /^\d+(?:\.\d+)?$/;

const queueOption = (key: string): Rule => (value, all) => optionProblem(key, value, all);

const period: Rule = (value) => {
  if (typeof value !== 'object' || value === null) return 'must be { seconds, key? }';
  const { seconds, key, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `has unknown field(s) ${Object.keys(rest).slice(0, 5).map((k) => show(k)).join(', ')} (known: seconds, key)`;
  if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > INT32_MAX) {
    return 'seconds must be an integer >= 1';
  }
  if (key !== undefined && (typeof key !== 'string' || key.length === 0)) return 'key must be a non-empty string';
  return undefined;
};

/** Every option `send` takes, with its rule; the other calls take subsets. */
const RULES: Record<string, Rule> = {
  id: (v) => (typeof v === 'string' && UUID.test(v) ? undefined : 'must be a uuid'),
  priority: (v) =>
    Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX
      ? undefined
      : `must be an integer between ${INT32_MIN} and ${INT32_MAX}`,
  startAfter: (v) => startAfterProblem(v),
  singletonKey: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string'),
  throttle: (v, all) =>
    period(v, all) ?? (all.debounce !== undefined ? 'cannot be combined with debounce; choose one' : undefined),
  debounce: period,
  group: (v) => {
    const group = v as { id?: unknown; tier?: unknown } | null;
    if (typeof group !== 'object' || group === null) return 'must be { id, tier? }';
    if (typeof group.id !== 'string' || group.id.length === 0) return 'id must be a non-empty string';
    if (group.tier !== undefined && (typeof group.tier !== 'string' || group.tier.length === 0)) {
      return 'tier must be a non-empty string';
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
    const rule = excluded.has(key) ? undefined : RULES[key];
    if (!rule) {
      const known = Object.keys(RULES).filter((k) => !excluded.has(k));
      throw new JobValidationError(
        INVALID_SEND_OPTION(method, queue, `unknown option ${show(key)} (known: ${known.join(', ')})`),
        queue,
      );
    }
    const problem = rule(value, all);
    if (problem) {
      throw new JobValidationError(INVALID_SEND_OPTION(method, queue, `${key} ${problem}, got ${show(value)}`), queue);
    }
  }
}

/** Whether `id` is a job id pg-boss can look up (a uuid). */
export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

function startAfterProblem(value: unknown): string | undefined {
  const accepted = 'must be seconds from now (a finite number >= 0), a valid Date or an ISO 8601 date string';
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? undefined : accepted;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? accepted : undefined;
  if (typeof value === 'string') {
    if (SECONDS.test(value)) return undefined;
    const date = ISO_DATE.exec(value);
    // The rest of the string (time, offset, zone name) is PostgreSQL's to parse; the calendar date
    // is checked here, so "2026-02-30" fails before the database does.
    if (date && validCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) return undefined;
    return accepted;
  }
  return accepted;
}

function validCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
