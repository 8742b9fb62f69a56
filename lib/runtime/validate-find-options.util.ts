import { JobValidationError } from '../errors/job-validation.error.js';
import { INVALID_LOOKUP_OPTION, show } from '../errors/jobs.messages.js';
import { checkPayloadJson } from '../declare/validate-payload.util.js';
import { isJobId, keyProblem, type Problem } from './validate-send-options.util.js';
import type { JobState } from '../interfaces/job-record.interface.js';

type Rule = (value: unknown) => Problem | undefined;

/** pg-boss's bounds for the `limit` of a list read (`findJobs`). */
const LIST_LIMIT_MAX = 100_000;
const INT32_MAX = 2_147_483_647;

const uuid: Rule = (v) => (isJobId(v) ? undefined : 'must be a job id (a uuid)');
const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const db: Rule = (v) =>
  typeof (v as { executeSql?: unknown } | null)?.executeSql === 'function'
    ? undefined
    : 'must be a transaction adapter with executeSql(text, values) (fromPg, fromTypeOrm, fromKnex...)';
const limit =
  (max: number): Rule =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max ? undefined : `must be an integer from 1 to ${max}`;

/** The states a job can be in, as pg-boss names them (its `states` export, and its `job_state` enum). */
export const JOB_STATES: readonly JobState[] = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];
const STATE_NAMES = JOB_STATES.join(', ');

/**
 * `state`: one state, or a non-empty list of distinct states (at most the six). An empty list would
 * match no job, which is never what a caller meant: leaving `state` out lists every state.
 */
const state: Rule = (v) => {
  if (!Array.isArray(v)) {
    return JOB_STATES.includes(v as JobState) ? undefined : `must be a job state (${STATE_NAMES}) or a list of them`;
  }
  if (v.length === 0) {
    return 'must name at least one state: an empty list matches no job (leave state out to find jobs in every state)';
  }
  const seen = new Set<unknown>();
  for (const [i, item] of v.entries()) {
    if (!JOB_STATES.includes(item as JobState)) {
      return { problem: `[${i}] must be a job state (${STATE_NAMES})`, got: show(item) };
    }
    if (seen.has(item)) return { problem: `lists ${show(item)} twice`, got: show(v) };
    seen.add(item);
  }
  return undefined;
};

const FIND_RULES: Record<string, Rule> = {
  id: (v) =>
    Array.isArray(v) ? 'must be one job id, not a list (call getJob for each id)' : uuid(v),
  key: keyProblem,
  queued: bool,
  limit: limit(LIST_LIMIT_MAX),
  after: (v) => (isJobId(v) ? undefined : 'must be the id (a uuid) of the last job of the previous page'),
  db,
  state,
};

/**
 * Checks the options of `findJobs` and `getDeadLetters` before pg-boss sees them, with a
 * {@link JobValidationError} naming the call, the queue and the option. Without it an id list or an
 * `after` that is no uuid reaches PostgreSQL as a raw `22P02`, a `limit` out of range fails as a
 * bare pg-boss assertion, a BigInt in `data` as a bare `TypeError`, and an unknown key (a typo such
 * as `ids`) is ignored, so the call returns every job of the queue. `state` and `queued` are two
 * state filters: given together they are refused rather than one silently winning. `getDeadLetters`
 * takes neither (it lists the jobs waiting in the dead-letter queue).
 */
export function validateFindOptions(
  method: 'findJobs' | 'getDeadLetters',
  queue: string,
  options: unknown,
  maxPayloadBytes: number,
): void {
  const rules =
    method === 'getDeadLetters'
      ? Object.fromEntries(Object.entries(FIND_RULES).filter(([key]) => key !== 'queued' && key !== 'state'))
      : FIND_RULES;
  check(method, queue, options, rules, maxPayloadBytes);
  const { state: states, queued } = (options ?? {}) as { state?: unknown; queued?: unknown };
  if (states !== undefined && queued !== undefined) {
    throw new JobValidationError(
      INVALID_LOOKUP_OPTION(
        method,
        queue,
        `state cannot be combined with queued, which filters by state too (queued: true is state: ['created', 'retry']); ` +
          'keep one of them',
      ),
      queue,
    );
  }
}

/**
 * Checks the options of `redrive`. It moves the dead letters of one definition back to that
 * definition's queue, so `sourceName` and `destination`, when given, must be that queue: a
 * redrive into another queue would hand its handler payloads never checked against its
 * definition (call `jobs.boss.redrive` to do that on purpose).
 */
export function validateRedriveOptions(queue: string, options: unknown, maxPayloadBytes: number): void {
  const same: Rule = (v) =>
    v === queue
      ? undefined
      : `must be "${queue}" if given: redrive(${show(queue)}) moves that queue's dead letters back to it (jobs.boss.redrive moves others)`;
  check('redrive', queue, options, {
    ids: (v) => {
      if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array of job ids (uuids) in the dead-letter queue';
      const bad = v.findIndex((id) => !isJobId(id));
      return bad === -1 ? undefined : { problem: `[${bad}] must be a job id (a uuid)`, got: show(v[bad]) };
    },
    createdBefore: (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? undefined : 'must be a valid Date'),
    limit: limit(INT32_MAX),
    sourceName: same,
    destination: same,
    db,
  }, maxPayloadBytes);
}

function check(
  method: string,
  queue: string,
  options: unknown,
  rules: Record<string, Rule>,
  maxPayloadBytes: number,
): void {
  if (options === undefined) return;
  const fail = (problem: string, issues?: JobValidationError['issues']) => {
    throw new JobValidationError(INVALID_LOOKUP_OPTION(method, queue, problem), queue, issues);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(`options must be an object, got ${show(options)}`);
  }
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === 'data') {
      checkData(value, queue, maxPayloadBytes, fail);
      continue;
    }
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (!rule) fail(`unknown option ${show(key)} (known: ${[...Object.keys(rules), 'data'].join(', ')})`);
    const problem = rule!(value);
    if (problem) {
      const [text, got] = typeof problem === 'string' ? [problem, show(value)] : [problem.problem, problem.got];
      fail(`${key} ${text}, got ${got}`);
    }
  }
}

/** `data` is matched against payloads (`@>`): a JSON object, checked as payloads are. */
function checkData(
  value: unknown,
  queue: string,
  maxPayloadBytes: number,
  fail: (problem: string, issues?: JobValidationError['issues']) => never,
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('data must be an object to match payloads against (the part of the payload to look for)');
  }
  try {
    checkPayloadJson({ name: queue, options: {} }, value, { maxBytes: maxPayloadBytes });
  } catch (error) {
    if (!(error instanceof JobValidationError)) throw error;
    const [issue] = error.issues;
    const path = (issue?.path ?? [])
      .map((segment) => {
        const key = typeof segment === 'object' ? segment.key : segment;
        return typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
      })
      .join('');
    fail(`data${path} ${issue?.message ?? 'cannot be sent as JSON'}`, error.issues);
  }
}
