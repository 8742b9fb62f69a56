import { JobValidationError } from '../errors/job-validation.error.js';
import {
  INVALID_SCHEDULE,
  SCHEDULE_EXPRESSION_INVALID,
  SCHEDULE_FINER_THAN_A_MINUTE,
  SCHEDULE_NOT_A_STRING,
  SCHEDULE_TOO_LONG,
} from '../errors/jobs.messages.js';

/**
 * Longest cron expression or RRULE that `JobsService.schedule()` and `@Recurring` accept, in
 * characters: 4096. A cron expression is a few dozen characters; the limit leaves room for an RRULE
 * with a few hundred EXDATE or RDATE values. pg-boss parses the expression synchronously when it is
 * scheduled and again for every schedule on every scheduler pass (every 30 s by default), and the
 * parse grows with its length: a 1.3 MB rule blocked the event loop for seconds each time.
 */
export const MAX_SCHEDULE_EXPRESSION_LENGTH = 4096;

/** pg-boss's `previewSchedule`: the next `count` occurrences, throwing when it cannot parse. */
export type PreviewSchedule = (expression: string, tz: string, count: number) => Date[];

// pg-boss's own test for an RRULE (RRULE_SHAPE in pg-boss/dist/rrule.js, not exported): an
// iCalendar property at the head of a line, or a FREQ part. No cron field contains `=`, `:` or `;`.
const RRULE_SHAPE = /^[ \t]*[a-z][a-z0-9-]*[;:]|(?:^|[\s;])FREQ=/im;

const MINUTE_MS = 60_000;

/**
 * What is wrong with a cron expression or RRULE for a schedule, or `undefined` when pg-boss can run
 * it as written. Checked, in order: a non-empty string, at most {@link MAX_SCHEDULE_EXPRESSION_LENGTH}
 * characters (before anything parses it), what pg-boss's parser says (`preview`, which parses exactly
 * as the scheduler pass will), and that it fires at most once a minute.
 *
 * The last check exists because pg-boss files every occurrence in a one-minute slot and sends one job
 * per slot: `*\/30 * * * * *` (six fields, the first being seconds, as `@nestjs/schedule`'s
 * `CronExpression.EVERY_30_SECONDS`) or `FREQ=SECONDLY` would be accepted and run once a minute.
 * A six-field expression whose seconds field names one second (`0 *\/5 * * * *`) runs as written.
 */
export function scheduleExpressionProblem(
  expression: unknown,
  tz: string | undefined,
  preview: PreviewSchedule,
): string | undefined {
  if (typeof expression !== 'string' || expression.trim() === '') return SCHEDULE_NOT_A_STRING(expression);
  if (expression.length > MAX_SCHEDULE_EXPRESSION_LENGTH) {
    return SCHEDULE_TOO_LONG(expression, MAX_SCHEDULE_EXPRESSION_LENGTH);
  }
  const rrule = RRULE_SHAPE.test(expression);
  try {
    // Parses exactly as pg-boss's scheduler pass will, without touching the database.
    preview(expression, tz ?? 'UTC', 1);
  } catch (error) {
    return SCHEDULE_EXPRESSION_INVALID(expression, tz, (error as Error).message);
  }
  const finer = rrule
    ? rruleFiresWithinAMinute(expression) || nextTwoInOneMinute(expression, tz, preview)
    : expression.trim().split(/\s+/).length > 5 && nextTwoInOneMinute(expression, tz, preview);
  if (finer) {
    return SCHEDULE_FINER_THAN_A_MINUTE(expression, rrule);
  }
  return undefined;
}

/**
 * Throws the `JobValidationError` of `JobsService.schedule()` when {@link scheduleExpressionProblem}
 * finds a problem with the expression.
 */
export function assertScheduleExpression(
  queue: string,
  expression: unknown,
  tz: string | undefined,
  preview: PreviewSchedule,
): asserts expression is string {
  const problem = scheduleExpressionProblem(expression, tz, preview);
  if (problem !== undefined) throw new JobValidationError(INVALID_SCHEDULE(queue, problem), queue);
}

/**
 * Whether two of the next three occurrences fall in one minute. For cron that is proof either way
 * (only a six-field expression, seconds first, can fire twice a minute): with two or more seconds in
 * its seconds field, every minute it matches holds two of them, and three in a row from any instant
 * include two of one minute. For an RRULE it catches what its parts do not say (RDATE lists).
 */
function nextTwoInOneMinute(expression: string, tz: string | undefined, preview: PreviewSchedule): boolean {
  let next: Date[];
  try {
    next = preview(expression, tz ?? 'UTC', 3);
  } catch {
    // Only pg-boss's one-second budget for a preview ends here (the expression parsed already): an
    // expression that sparse has its occurrences far apart.
    return false;
  }
  const minute = (at: Date) => Math.floor(at.getTime() / MINUTE_MS);
  return next.some((at, i) => i > 0 && minute(at) === minute(next[i - 1]!));
}

/**
 * Whether an RRULE can put two occurrences in one minute, read from its parts: a few occurrences
 * from now do not prove it for a rule the way they do for cron (`FREQ=SECONDLY;INTERVAL=45` has its
 * next three in three different minutes). Several BYSECOND values always can; FREQ=SECONDLY can
 * unless one BYSECOND value or an INTERVAL of 60 or more keeps its occurrences a minute apart.
 */
function rruleFiresWithinAMinute(expression: string): boolean {
  const part = (name: string) => new RegExp(`(?:^|[\\s;:])${name}=([^;\\s]*)`, 'i').exec(expression)?.[1];
  const seconds = part('BYSECOND');
  const distinctSeconds = seconds === undefined ? 0 : new Set(seconds.split(',').map((s) => Number(s))).size;
  if (distinctSeconds > 1) return true;
  if (part('FREQ')?.toUpperCase() !== 'SECONDLY' || distinctSeconds === 1) return false;
  return Number(part('INTERVAL') ?? 1) < 60;
}
