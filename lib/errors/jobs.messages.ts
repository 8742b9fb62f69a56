/** Error and log messages, one factory each, so every message says what to change. */

import { redactSecrets } from '../utils/redact.util.js';
import { describeText, describeValue } from '../utils/describe-value.util.js';
import { RECURRING_SCHEDULE_KEY } from '../module/jobs.constants.js';

/**
 * A value a caller gave, as it appears in a message: {@link describeValue} (scalars quoted and cut,
 * control characters escaped, objects described by kind, never serialised).
 */
export const show = describeValue;

const job = (queue: string, where?: string) => `job "${queue}"${where ? ` (${where})` : ''}`;

export const DUPLICATE_HANDLER = (queue: string, first: string, second: string) =>
  `Two handlers for queue "${queue}": ${first} and ${second}. A queue has one handler per app; ` +
  `remove one decorator, or give the second job its own definition (defineJob('${queue}-2')).`;

export const INVALID_HANDLER_OPTION = (handler: string, problem: string) =>
  `Invalid options for ${handler}: ${problem}.`;

export const IMMUTABLE_QUEUE_OPTION_CHANGED = (
  queue: string,
  option: string,
  current: unknown,
  declared: unknown,
  declaredBy: string,
) =>
  `Queue "${queue}" exists with ${option} ${show(current)}, but ${declaredBy} declares ` +
  `${option} ${show(declared)}. pg-boss cannot change a queue's ${option} after it is created. ` +
  `Either keep ${option}: ${show(current)}, or move to a new queue name (for example ` +
  `"${queue}.v2") and let the old queue drain, or delete it once empty with boss.deleteQueue('${queue}').`;

export const PAYLOAD_INVALID = (queue: string, summary: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: ${describeText(summary, 1000)}`;

export const PAYLOAD_NOT_OBJECT = (queue: string, got: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: pg-boss stores an object (or nothing), got ${got}.`;

export const PAYLOAD_NOT_JSON = (queue: string, path: string, problem: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: ${path} ${problem}. Nothing was sent.`;

/** `bytes`: what was counted when the count passed `max` (the check stops there), so "at least". */
export const PAYLOAD_TOO_LARGE = (queue: string, bytes: number, max: number, where?: string) =>
  `Payload of ${job(queue, where)} is over the ${max}-byte limit (at least ${bytes} bytes of JSON). pg-boss ` +
  `stores it in the job row and every fetch reads whole rows: store large data elsewhere (a table, ` +
  `object storage) and send its key, or raise JobsModule's maxPayloadBytes.`;

export const INVALID_SEND_OPTION = (method: string, queue: string, problem: string) =>
  `Invalid options for JobsService.${method} of job "${queue}": ${problem}. Nothing was sent.`;

export const NO_JOB_IDS = (method: string, queue: string) =>
  `JobsService.${method} on "${queue}": the list of job ids is empty. Pass at least one id send() returned.`;

export const INVALID_LOOKUP_OPTION = (method: string, queue: string, problem: string) =>
  `Invalid options for JobsService.${method} on "${queue}": ${problem}. Nothing was read or changed.`;

export const PAGE_ANCHOR_GONE = (after: unknown) =>
  `after ${show(after)} names no job of the queue (deleted since the previous page was read, by retention or ` +
  'deleteJob); list again from the start, without after';

export const VALUES_REFUSED_BY_DATABASE = (method: string, queue: string, reason: string) =>
  `JobsService.${method} of job "${queue}": PostgreSQL refused the job's values (${reason}). Nothing was sent.`;

export const DEAD_LETTER_NOT_DECLARED = (queue: string, target: string, own: string | undefined) =>
  `deadLetter "${target}" is not a dead-letter queue: a send may only name ${own ? `"${queue}"'s own ("${own}") or ` : ''}` +
  `a queue that some definition declares as its deadLetter, so that a failed job cannot land in another ` +
  `queue's handler. Declare it (defineJob('${queue}', { deadLetter: '${target}' })) or leave the option out`;

export const INVALID_JOB_ID = (method: string, queue: string, id: unknown) =>
  `JobsService.${method} on "${queue}": job id ${show(id)} is not a uuid. Pass the id send() returned.`;

export const INVALID_SCHEDULE = (queue: string, problem: string) =>
  `Invalid schedule for job "${queue}": ${problem}. Nothing was scheduled.`;

export const INVALID_QUEUE_NAME = (owner: string, name: unknown) =>
  `Invalid options for ${owner}: queue name ${show(name)} may only contain letters, digits, "_", "-", ` +
  `"." and "/" (pg-boss's rule; for example "welcome-email" or "billing/invoice.v2").`;

export const QUEUE_NAME_TOO_LONG = (owner: string, name: string, max: number) =>
  `Invalid options for ${owner}: queue name ${show(name, 40)} is longer than ${max} characters. ` +
  `PostgreSQL indexes the name with each job; use a short, fixed name and put the variable part in the payload.`;

export const INVALID_MODULE_OPTION = (problem: string) =>
  `Invalid JobsModule options: ${problem}.`;

export const OPEN_TELEMETRY_API_MISSING = () =>
  "JobsModule's openTelemetry option needs the @opentelemetry/api package, which could not be loaded. Install it " +
  'next to your OpenTelemetry SDK (npm install @opentelemetry/api), or remove the openTelemetry option.';

export const OPEN_TELEMETRY_PG_BOSS_TOO_OLD = (version: string) =>
  `JobsModule's openTelemetry option needs pg-boss 12.38 or later (the first with OpenTelemetry support), but ` +
  `pg-boss ${version} is installed. Upgrade pg-boss (npm install pg-boss@^12.38), or remove the openTelemetry option.`;

export const OPEN_TELEMETRY_TWICE = () =>
  "JobsModule got both openTelemetry and connection.openTelemetry: give one. openTelemetry configures pg-boss's " +
  'telemetry and adds a span per job; connection.openTelemetry configures pg-boss alone (no job spans). Move ' +
  "propagateContext, propagator, tracerProvider and meterProvider into JobsModule's openTelemetry.";

export const OPEN_TELEMETRY_WITH_BOSS = (keys: string[]) =>
  `openTelemetry.${keys.join(' and openTelemetry.')} configure${keys.length === 1 ? 's' : ''} pg-boss, but boss is a ` +
  "PgBoss the application built, so the module cannot apply them: set them in that PgBoss's own openTelemetry " +
  "option (new PgBoss({ ..., openTelemetry: { propagateContext: true } })) and keep JobsModule's openTelemetry to " +
  'true or { tracerProvider } for the job spans.';

export const TRACE_CONTEXTS_UNREADABLE = (queue: string, cause: string) =>
  `Could not read the stored trace context of a batch of "${queue}" jobs (${redactSecrets(cause)}): their spans start ` +
  "under the batch's process span instead of in their senders' traces. The jobs run as usual.";

export const DATABASE_UNREACHABLE = (attempts: number, cause: string) =>
  `Could not start pg-boss after ${attempts} attempt(s): ${redactSecrets(cause)}. Check that PostgreSQL is ` +
  `reachable with the configured connection, or raise JobsModule's startAttempts.`;

export const DATABASE_START_REFUSED = (cause: string, hint: string | undefined) =>
  `Could not start pg-boss: ${redactSecrets(cause)}. Not retried, since this fails the same way on every attempt` +
  (hint ? `: ${hint}.` : '.');

export const DATABASE_RETRY = (cause: string, attempt: number, attempts: number, delayMs: number) =>
  `Database not reachable (${redactSecrets(cause)}); attempt ${attempt} of ${attempts}, retrying in ${delayMs / 1000} s`;

export const JOBS_NOT_STARTED = (waitedMs: number) =>
  `JobsModule has not started: this JobsService call waited ${waitedMs} ms for the application to be initialised. ` +
  'Initialise it first (app.init() or app.listen(); NestFactory.createApplicationContext does it), and send from ' +
  "onApplicationBootstrap or later rather than from a constructor. JobsModule's initTimeoutMs sets how long a call waits.";

export const JOBS_SHUT_DOWN = () =>
  'JobsModule is shut down: the application was closed (app.close() or a shutdown signal) and its database pool ' +
  'with it, so JobsService can no longer send or read jobs. Send before closing, or from a handler or a shutdown ' +
  'hook (onModuleDestroy, beforeApplicationShutdown, onApplicationShutdown), which run while the module is still open.';

export const DUPLICATE_JOBS_MODULE = (count: number, schemas: string[]) =>
  `JobsModule is imported ${count} times in this application (forRoot or forRootAsync${
    schemas.length ? `, with schemas ${schemas.map((s) => `"${s}"`).join(', ')}` : ''
  }): each would start every handler, and JobsService would silently be the last one. Import it once, in the ` +
  'root module: it is global (unless isGlobal: false), so every module can inject JobsService. One application works with one database and schema.';

export const NO_CONNECTION = () =>
  'JobsModule needs one of connectionString, connection or boss. ' +
  "Example: JobsModule.forRoot({ connectionString: process.env.DATABASE_URL }).";

export const TOO_MANY_CONNECTIONS = (given: string[]) =>
  `JobsModule got ${given.join(' and ')}; give exactly one of connectionString, connection or boss.`;

export const UNKNOWN_QUEUE = (queue: string) =>
  `Queue "${queue}" does not exist. Declare a handler for it (@JobHandler), or list its definition ` +
  `in JobsModule's queues option (JobsModule.forRoot({ queues: [Definition] })) so that bootstrap ` +
  `creates it.`;

/** A role name as SQL text: quoted, embedded quotes doubled. */
const quoteRole = (role: string) => `"${role.replaceAll('"', '""')}"`;

/** Privileges as a message lists them: `SELECT, INSERT and DELETE`. */
const listPrivileges = (privileges: readonly string[]) =>
  privileges.length > 1 ? `${privileges.slice(0, -1).join(', ')} and ${privileges.at(-1)}` : privileges.join('');

/**
 * A table of the module's is missing at bootstrap and the module may not create it: `reason` is the
 * database's refusal, or `undefined` when pg-boss was told not to migrate (`migrate: false`).
 */
export const MODULE_TABLE_MISSING = (
  table: string,
  purpose: string,
  schema: string,
  role: string,
  reason: string | undefined,
  privileges: readonly string[],
) =>
  `The table ${table}, ${purpose}, does not exist, and ` +
  (reason
    ? `role "${role}" may not create it: ${redactSecrets(reason)}. `
    : "the module creates nothing in pg-boss's schema when pg-boss's migrate option is false. ") +
  `Have the schema's owner run the SQL of getJobsConstructionPlans('${schema}') (exported by nest-pg-jobs) ` +
  `and GRANT ${privileges.join(', ')} ON ${table} TO ${quoteRole(role)}, then start again.`;

export const MODULE_TABLE_NOT_GRANTED = (table: string, purpose: string, role: string, privileges: readonly string[]) =>
  `Role "${role}" needs ${listPrivileges(privileges)} on ${table} (${purpose}): ` +
  `GRANT ${privileges.join(', ')} ON ${table} TO ${quoteRole(role)}, then start again.`;

export const QUEUE_PAUSED = (queue: string) => `Paused queue "${queue}"`;

export const QUEUE_RESUMED = (queue: string) => `Resumed queue "${queue}"`;

export const PAUSED_QUEUES_UNREADABLE = (cause: string) =>
  `Could not read which queues are paused (${redactSecrets(cause)}); queues keep their current state and ` +
  'the module tries again every second.';

export const INVALID_EVENT_DEFINITION = (name: string, problem: string) => `defineEvent('${name}'): ${problem}.`;

export const NOT_AN_EVENT = (method: string, got: string) =>
  `JobsService.${method} takes an event (defineEvent('name', ...)), got ${got}.`;

export const SUBSCRIPTION_ADDED = (queue: string, event: string) => `Subscribed queue "${queue}" to event "${event}"`;

export const SUBSCRIPTION_REMOVED = (queue: string, event: string) =>
  `Unsubscribed queue "${queue}" from event "${event}" (no handler declares it any more)`;

export const DRAIN_DEADLINE = (queue: string, id: string, seconds: number) =>
  `Job ${id} of "${queue}" was still running when JobsService.drain reached maxSeconds (${seconds}) and its grace ` +
  '(shutdownTimeoutMs): aborted, and failed back to be retried.';

export const DRAIN_WORKERS_RUNNING = (queue: string) =>
  `JobsService.drain: this instance already runs workers for "${queue}". drain is for instances that run none ` +
  '(workers: false), such as a scheduled job or a serverless function; here the workers process the queue already.';

export const DRAIN_NO_HANDLER = (queue: string) =>
  `JobsService.drain: no handler for "${queue}" in this app. drain runs the app's own @JobHandler and @Recurring methods.`;

export const DRAIN_ALREADY = (queue: string) => `JobsService.drain: "${queue}" is being drained already; await that drain first.`;

export const MISPLACED_DEFAULT = (key: string, kind: string, place: string) =>
  `${key} is ${kind}: put it in ${place} (here it would apply to nothing)`;

export const RATE_LIMIT_PERMIT_FAILED = (queue: string, id: string, cause: string, retryMs: number) =>
  `Could not take a start permit of rate-limited queue "${queue}" for job ${id} (${redactSecrets(cause)}); ` +
  `the job waits and asks again in ${retryMs / 1000} s.`;

export const NO_DEAD_LETTER_QUEUE = (queue: string) =>
  `Queue "${queue}" has no dead-letter queue; declare one with defineJob('${queue}', { deadLetter: '${queue}.dead' }).`;

export const HANDLER_ABANDONED = (queue: string, ids: string[], graceMs: number) =>
  `The handler of ${queue} ${ids.join(', ')} was still running ${graceMs} ms after its job's signal aborted ` +
  `(timeout, cancel or shutdown): its worker slot moves on to the next job, and the handler runs on in the ` +
  `background, since Node cannot stop it. Stop the handler on job.signal (pass it to fetch, your HTTP client, ` +
  `or check signal.aborted in loops).`;

export const HANDLER_ABANDON_LIMIT = (queue: string, count: number) =>
  `${count} abandoned handler(s) of ${queue} are still running, as many as its concurrency: the next one that ` +
  `outlives its signal keeps its worker slot until it returns. Stop the handlers on job.signal.`;

export const ABANDONED_HANDLER_SETTLED = (queue: string, ids: string[], seconds: number) =>
  `An abandoned handler of ${queue} ${ids.join(', ')} settled ${seconds.toFixed(1)} s after it was abandoned.`;

export const RESERVED_SCHEDULE_KEY = (key: string) =>
  `key ${show(key)} is reserved for @Recurring schedules (as is every key starting with "${RECURRING_SCHEDULE_KEY}/"), ` +
  'which bootstrap removes when no decorator declares them; choose another key';

export const SCHEDULE_NOT_A_STRING = (value: unknown) =>
  `cron must be a non-empty string, got ${show(value)}`;

export const SCHEDULE_TOO_LONG = (expression: string, max: number) =>
  `cron ${show(expression, 60)} is over the ${max}-character limit: pg-boss parses the expression on every ` +
  `scheduler pass, blocking the event loop while it does. A cron expression is five fields; split an RRULE with ` +
  `long EXDATE or RDATE lists into several schedules, each with its own key`;

export const SCHEDULE_EXPRESSION_INVALID = (expression: string, tz: string | undefined, cause: string) =>
  `cron ${show(expression)}${tz ? ` with tz ${show(tz, 60)}` : ''} is invalid: ${describeText(cause, 500)}`;

export const SCHEDULE_FINER_THAN_A_MINUTE = (expression: string, rrule: boolean) =>
  (rrule
    ? `rrule ${show(expression)} fires more than once a minute (FREQ=SECONDLY, or several BYSECOND values)`
    : `cron ${show(expression)} fires more than once a minute (six fields: the first is seconds)`) +
  `, but a schedule's resolution is one minute: pg-boss sends at most one job per schedule each minute, so it ` +
  `would run once a minute, not as written. ` +
  (rrule
    ? 'Use FREQ=MINUTELY or coarser with at most one BYSECOND value'
    : 'Write five fields (minute hour day month weekday), e.g. "* * * * *" for every minute, or give the ' +
      'seconds field one value ("0 */5 * * * *")') +
  `; for work every few seconds, loop inside one job or send jobs with startAfter`;

export const JOB_TIMED_OUT = (queue: string, id: string, seconds: number) =>
  `job ${id} of ${queue} timed out: it ran past its expireInSeconds (${seconds} s), so pg-boss failed it ` +
  `(it retries while retries remain). Raise expireInSeconds if the job needs longer.`;

export const JOB_SHUT_DOWN = (queue: string, id: string) =>
  `job ${id} of ${queue} was stopped by the app's shutdown: it was still running when shutdownTimeoutMs ran out, ` +
  `so it was failed and retries while retries remain.`;

export const JOB_CANCELLED = (queue: string, id: string) => `job ${id} was cancelled (queue ${queue}).`;

export const JOB_CLAIM_LOST = (queue: string, id: string) =>
  `job ${id} was cancelled (queue ${queue}): it is no longer active under this worker's claim (cancelled from ` +
  `another instance, or settled elsewhere), as its heartbeat found.`;

export const OUTCOME_NOT_RECORDED = (events: number, queue: string) =>
  `${events} job event(s) of ${queue} were not emitted: pg-boss could not record the outcome of their batch ` +
  `(see its error). The jobs stay active until their expireInSeconds, then retry.`;

export const INVALID_PROGRESS = (queue: string, problem: string) =>
  `Invalid progress for job "${queue}": ${problem}. Progress is a number (a percentage, a count) or a small JSON object; nothing was stored.`;
