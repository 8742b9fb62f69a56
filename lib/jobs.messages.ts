/** Error and log messages, one factory each, so every message says what to change. */

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

export const PAYLOAD_INVALID = (queue: string, summary: string) =>
  `Invalid payload for job "${queue}": ${summary}`;

export const PAYLOAD_NOT_OBJECT = (queue: string, got: string) =>
  `Invalid payload for job "${queue}": pg-boss stores an object (or nothing), got ${got}.`;

export const DATABASE_UNREACHABLE = (attempts: number, cause: string) =>
  `Could not start pg-boss after ${attempts} attempt(s): ${cause}. Check that PostgreSQL is ` +
  `reachable with the configured connection, or raise JobsModule's startAttempts.`;

export const NO_CONNECTION = () =>
  'JobsModule needs one of connectionString, connection or boss. ' +
  "Example: JobsModule.forRoot({ connectionString: process.env.DATABASE_URL }).";

export const TOO_MANY_CONNECTIONS = (given: string[]) =>
  `JobsModule got ${given.join(' and ')}; give exactly one of connectionString, connection or boss.`;

export const UNKNOWN_QUEUE = (queue: string) =>
  `Queue "${queue}" does not exist. Declare a handler for it, or create it once with ` +
  `JobsService.createQueue(definition) before sending.`;

export const NO_DEAD_LETTER_QUEUE = (queue: string) =>
  `Queue "${queue}" has no dead-letter queue; declare one with defineJob('${queue}', { deadLetter: '${queue}.dead' }).`;
