/** Error and log messages, one factory each, so every message says what to change. */

import { redactSecrets } from './utils/redact.util.js';

/** A value as it appears in a message: JSON where that is readable, `NaN`/`Infinity`/`undefined` as such. */
export const show = (value: unknown): string => {
  if (typeof value === 'number' || typeof value === 'bigint' || value === undefined) return String(value);
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
};

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
  `Queue "${queue}" exists with ${option} ${JSON.stringify(current)}, but ${declaredBy} declares ` +
  `${option} ${JSON.stringify(declared)}. pg-boss cannot change a queue's ${option} after it is created. ` +
  `Either keep ${option}: ${JSON.stringify(current)}, or move to a new queue name (for example ` +
  `"${queue}.v2") and let the old queue drain, or delete it once empty with boss.deleteQueue('${queue}').`;

export const PAYLOAD_INVALID = (queue: string, summary: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: ${summary}`;

export const PAYLOAD_NOT_OBJECT = (queue: string, got: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: pg-boss stores an object (or nothing), got ${got}.`;

export const PAYLOAD_NOT_JSON = (queue: string, path: string, problem: string, where?: string) =>
  `Invalid payload for ${job(queue, where)}: ${path} ${problem}. Nothing was sent.`;

export const PAYLOAD_TOO_LARGE = (queue: string, bytes: number, max: number, where?: string) =>
  `Payload of ${job(queue, where)} is ${bytes} bytes of JSON, over the ${max}-byte limit. pg-boss ` +
  `stores it in the job row and every fetch reads whole rows: store large data elsewhere (a table, ` +
  `object storage) and send its key, or raise JobsModule's maxPayloadBytes.`;

export const INVALID_SEND_OPTION = (method: string, queue: string, problem: string) =>
  `Invalid options for JobsService.${method} of job "${queue}": ${problem}. Nothing was sent.`;

export const INVALID_JOB_ID = (method: string, queue: string, id: unknown) =>
  `JobsService.${method} on "${queue}": job id ${show(id)} is not a uuid. Pass the id send() returned.`;

export const INVALID_SCHEDULE = (queue: string, problem: string) =>
  `Invalid schedule for job "${queue}": ${problem}. Nothing was scheduled.`;

export const INVALID_QUEUE_NAME = (owner: string, name: unknown) =>
  `Invalid options for ${owner}: queue name ${show(name)} may only contain letters, digits, "_", "-", ` +
  `"." and "/" (pg-boss's rule; for example "welcome-email" or "billing/invoice.v2").`;

export const INVALID_MODULE_OPTION = (problem: string) =>
  `Invalid JobsModule options: ${problem}.`;

export const DATABASE_UNREACHABLE = (attempts: number, cause: string) =>
  `Could not start pg-boss after ${attempts} attempt(s): ${redactSecrets(cause)}. Check that PostgreSQL is ` +
  `reachable with the configured connection, or raise JobsModule's startAttempts.`;

export const DATABASE_RETRY = (cause: string, attempt: number, attempts: number, delayMs: number) =>
  `Database not reachable (${redactSecrets(cause)}); attempt ${attempt} of ${attempts}, retrying in ${delayMs / 1000} s`;

export const NO_CONNECTION = () =>
  'JobsModule needs one of connectionString, connection or boss. ' +
  "Example: JobsModule.forRoot({ connectionString: process.env.DATABASE_URL }).";

export const TOO_MANY_CONNECTIONS = (given: string[]) =>
  `JobsModule got ${given.join(' and ')}; give exactly one of connectionString, connection or boss.`;

export const UNKNOWN_QUEUE = (queue: string) =>
  `Queue "${queue}" does not exist. Declare a handler for it (@JobHandler), or list its definition ` +
  `in JobsModule's queues option (JobsModule.forRoot({ queues: [Definition] })) so that bootstrap ` +
  `creates it.`;

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
