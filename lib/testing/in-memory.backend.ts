import { EventEmitter } from 'node:events';
import { PgBoss, type FindJobsOptions as PgBossFindJobsOptions, type JobWithMetadata, type QueueResult, type RedriveOptions } from 'pg-boss';
import { backlogOf, type CheckedDefinition, type JobsBackend, type QueueBacklog, type QueueGauges } from '../backend/jobs-backend.js';
import type { KnownQueue } from '../runtime/send-checks.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import {
  INVALID_LOOKUP_OPTION,
  NO_DEAD_LETTER_QUEUE,
  PAGE_ANCHOR_GONE,
  UNKNOWN_QUEUE,
  VALUES_REFUSED_BY_DATABASE,
} from '../errors/jobs.messages.js';
import { refusedValues } from '../backend/pg-boss/database-error.util.js';
import type { JobsRegistry } from '../runtime/jobs.registry.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type { JobProgress } from '../interfaces/job.interface.js';
import type { FindJobsOptions, JobState, JobWithProgress } from '../interfaces/job-record.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type {
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
} from '../interfaces/send-options.interface.js';
import { InMemoryJobsStore, isQueued, type StoredJob } from './in-memory-jobs.store.js';
import { matchesPartial } from './match.util.js';
import { JobsTestingError } from './errors/jobs-testing.error.js';
import { NEEDS_DATABASE } from './testing.messages.js';
import type { TestSchedule } from './interfaces/test-job.interface.js';

// Everything a PgBoss answers to, so each use names itself in the error.
const PG_BOSS_MEMBERS: ReadonlySet<string> = new Set(
  [PgBoss.prototype, EventEmitter.prototype]
    .flatMap((prototype) => Object.getOwnPropertyNames(prototype))
    .filter((name) => name !== 'constructor'),
);

/** An event published in the testing kit: its payload, the queues subscribed then, the jobs sent. */
export interface PublishedEvent {
  readonly event: string;
  readonly data: unknown;
  /** The queues whose handler subscribes to the event, sorted. */
  readonly queues: readonly string[];
  /** The jobs sent to them (one per queue, unless a unique rule suppressed one). */
  readonly ids: readonly string[];
}

/**
 * Stands in for the `PgBoss` instance (the `PG_BOSS` token, and what the in-memory backend cannot
 * do): any use throws a {@link JobsTestingError} saying a database is needed. Nest may probe it for
 * lifecycle hooks, so reading an unknown property answers `undefined` instead of throwing.
 */
export function unavailablePgBoss(): PgBoss {
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property === 'string' && PG_BOSS_MEMBERS.has(property)) {
        throw new JobsTestingError(NEEDS_DATABASE(`PgBoss.${property}`));
      }
      return undefined;
    },
  }) as PgBoss;
}

/**
 * @internal Called with the jobs each call stored (the tester's inline mode runs them at once);
 * rejects as they fail.
 */
export type InsertedHook = (jobs: StoredJob[]) => Promise<void>;

/**
 * @internal The {@link JobsBackend} of the testing kit: jobs in an {@link InMemoryJobsStore},
 * runtime schedules in a map. Its queues are the ones the app declares, with the options
 * `JobsModule` creates them with (the registry's, from the same discovery); a queue nothing
 * declares does not exist, as in a database where no instance created it. Payloads PostgreSQL's
 * `jsonb` cannot hold are refused as the database refuses them. A valid `{ db }` is ignored (there
 * is no transaction to join). `boss` and `getQueue` need a database and throw a
 * {@link JobsTestingError}. The tester runs what was stored (`drain`, inline mode), except the jobs
 * of paused queues.
 */
export class InMemoryBackend implements JobsBackend {
  /** The jobs recorded by `JobsService` (and by drains: retries, dead letters). */
  readonly store = new InMemoryJobsStore();
  /** Every event published, in order (`tester.published`). */
  readonly published: PublishedEvent[] = [];
  /** Runtime schedules by queue and key. */
  readonly schedules = new Map<string, TestSchedule>();
  /** Queues paused with `JobsService.pauseQueue`: the tester runs none of their jobs. */
  readonly paused = new Set<string>();
  private cronParser: PgBoss | undefined;

  constructor(
    /** The declared queues and handlers, once discovered (the tester writes it). */
    private readonly registry: JobsRegistry,
    private readonly inserted: InsertedHook,
  ) {}

  get boss(): PgBoss {
    throw new JobsTestingError(NEEDS_DATABASE('JobsService.boss'));
  }

  // pg-boss parses cron in previewSchedule without a connection; an unstarted PgBoss opens none.
  readonly previewSchedule = (cron: string, tz: string, count: number): Date[] => {
    this.cronParser ??= new PgBoss({ connectionString: 'postgres://nest-pg-jobs-testing.invalid/none' });
    return this.cronParser.previewSchedule(cron, { tz, count });
  };

  /**
   * No database here: the queues this kit knows are the declared ones (with a handler, in `queues`,
   * or as their dead-letter queues), so a per-send deadLetter must be a dead-letter queue this app
   * declares. JobsService also accepts a queue that only the database holds as some queue's
   * dead-letter queue.
   */
  async queues(): Promise<readonly KnownQueue[]> {
    return this.registry.queues.map((queue) => ({ name: queue.name, deadLetter: queue.options.deadLetter }));
  }

  async send(definition: CheckedDefinition, data: object | null, options: SendJobOptions): Promise<string | null> {
    const queue = this.queueOptions(definition.name);
    refuseAsJsonb([data], definition.name, 'send');
    const job = this.store.insert(definition.name, data, options, queue);
    if (job) await this.inserted([job]);
    return job?.id ?? null;
  }

  async sendMany(
    definition: CheckedDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
  ): Promise<string[]> {
    const queue = this.queueOptions(definition.name);
    refuseAsJsonb(jobs.map((job) => job.data), definition.name, 'sendMany');
    const inserted = jobs
      .map((job) => this.store.insert(definition.name, job.data ?? null, job.options ?? {}, queue))
      .filter((job): job is StoredJob => job !== null);
    await this.inserted(inserted);
    return inserted.map((job) => job.id);
  }

  /** The queues whose handler subscribes to `event` (the kit's subscriptions are the declared ones). */
  subscribers(event: string): string[] {
    return this.registry.handlers
      .filter((handler) => handler.options.subscribe?.some((subscribed) => subscribed.name === event))
      .map((handler) => handler.queue)
      .sort();
  }

  async publish(event: string, data: object | null): Promise<string[]> {
    const queues = this.subscribers(event);
    // The server refuses what it would store; with no subscriber nothing is stored.
    if (queues.length > 0) refuseAsJsonb([data], event, 'publish');
    const inserted = queues
      .map((queue) => this.store.insert(queue, data, {}, this.queueOptions(queue)))
      .filter((job): job is StoredJob => job !== null);
    this.published.push({ event, data, queues, ids: inserted.map((job) => job.id) });
    await this.inserted(inserted);
    return inserted.map((job) => job.id);
  }

  async flow(steps: ReadonlyArray<FlowStep<any>>, definitions: ReadonlyArray<CheckedDefinition>): Promise<Record<string, string>> {
    const queues = definitions.map((def) => this.queueOptions(def.name));
    refuseAsJsonb(steps.map((step) => step.data), definitions.map((def) => def.name).join(', '), 'flow');
    const ids: Record<string, string> = {};
    const inserted: StoredJob[] = [];
    steps.forEach((step, i) => {
      const def = definitions[i]!;
      const job = this.store.insert(def.name, step.data ?? null, step.options ?? {}, queues[i]!);
      if (job) {
        ids[step.ref] = job.id;
        inserted.push(job);
      }
    });
    // Dependencies are known by ref until every step has an id.
    steps.forEach((step) => {
      const job = ids[step.ref] ? this.store.get(ids[step.ref]!) : undefined;
      if (job) Object.assign(job, { dependsOn: (step.dependsOn ?? []).map((ref) => ids[ref]!) });
    });
    await this.inserted(inserted);
    return ids;
  }

  async schedule(definition: CheckedDefinition, cron: string, data: unknown, options: ScheduleJobOptions): Promise<void> {
    this.queueOptions(definition.name);
    refuseAsJsonb([data], definition.name, 'schedule');
    const key = options.key ?? '';
    this.schedules.set(`${definition.name}\u0000${key}`, { name: definition.name, key, cron, data, tz: options.tz });
  }

  async unschedule(queue: string, key: string | undefined): Promise<void> {
    this.schedules.delete(`${queue}\u0000${key ?? ''}`);
  }

  /** Queued or running jobs become `cancelled` (`JobsService` aborts a running job's signal). */
  async cancel(queue: string, ids: string[]): Promise<void> {
    for (const job of this.jobsById(queue, ids)) {
      if (job.state !== 'created' && job.state !== 'retry' && job.state !== 'active') continue;
      job.state = 'cancelled';
      job.completedOn = new Date();
    }
  }

  async resume(queue: string, ids: string[]): Promise<void> {
    for (const job of this.jobsById(queue, ids)) {
      if (job.state === 'cancelled') Object.assign(job, { state: 'created', completedOn: null });
    }
  }

  async retry(queue: string, ids: string[]): Promise<void> {
    for (const job of this.jobsById(queue, ids)) {
      if (job.state === 'failed') Object.assign(job, { state: 'retry', completedOn: null });
    }
  }

  async getJob<O>(queue: string, id: string): Promise<JobWithProgress<O> | null> {
    return this.find('getJob', queue, queue, { id })[0] ?? null;
  }

  async findJobs<O>(queue: string, options: FindJobsOptions): Promise<JobWithProgress<O>[]> {
    return this.find('findJobs', queue, queue, options);
  }

  /** Stored on the recorded job; a job `performJob` made up (not recorded) keeps none. */
  async setProgress(queue: string, id: string, progress: JobProgress): Promise<void> {
    const job = this.store.get(id);
    if (job?.name === queue) job.progress = progress;
  }

  /** Recorded jobs are forgotten with their progress (`clear`). */
  async pruneProgress(): Promise<number> {
    return 0;
  }

  /** Needs a database (pg-boss's own queue record): throws a {@link JobsTestingError}. */
  async getQueue(_queue: string): Promise<QueueResult | null> {
    throw new JobsTestingError(NEEDS_DATABASE('JobsService.getQueue'));
  }

  async getQueueCounts(name: string): Promise<QueueCounts> {
    const deadLetter = this.queueOptions(name).deadLetter;
    const count = (state: string) => this.store.byQueue(name).filter((job) => job.state === state).length;
    return {
      queue: name,
      queued: count('created') + count('retry'),
      active: count('active'),
      completed: count('completed'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      dead: deadLetter ? this.store.byQueue(deadLetter).filter(isQueued).length : 0,
    };
  }

  /** From {@link getQueueGauges}, as the pg-boss backend does; a queue nothing declares does not exist. */
  async getQueueBacklog(name: string): Promise<QueueBacklog> {
    this.queueOptions(name);
    const [gauges] = await this.getQueueGauges([name]);
    return backlogOf(gauges!);
  }

  /** The declared queues among `queues` (a queue nothing declares does not exist here). */
  async getQueueGauges(queues: readonly string[]): Promise<QueueGauges[]> {
    const now = Date.now();
    return queues.flatMap((name) => {
      const declared = this.registry.queue(name);
      if (!declared) return [];
      const jobs = this.store.byQueue(name);
      const waiting = jobs.filter(isQueued);
      const deadLetter = declared.options.deadLetter;
      return [
        {
          queue: name,
          waiting: waiting.length,
          deferred: waiting.filter((job) => !this.blocked(job) && job.startAfter.getTime() > now).length,
          active: jobs.filter((job) => job.state === 'active').length,
          failed: jobs.filter((job) => job.state === 'failed').length,
          deadLettered: deadLetter ? this.store.byQueue(deadLetter).filter(isQueued).length : 0,
          oldestWaitingSeconds: this.oldestWaitingSeconds(waiting, now),
        },
      ];
    });
  }

  /** Whether a flow dependency of the job has not completed yet (pg-boss's `blocked`). */
  private blocked(job: StoredJob): boolean {
    return !job.dependsOn.every((id) => this.store.get(id)?.state === 'completed');
  }

  /** Seconds the oldest due waiting job has waited, as pg-boss counts it; 0 when none is due. */
  private oldestWaitingSeconds(waiting: readonly StoredJob[], now: number): number {
    // Due as pg-boss counts it: start_after passed and no flow dependency left to complete.
    const dueSince = waiting
      .filter((job) => job.startAfter.getTime() <= now && !this.blocked(job))
      .map((job) => Math.max(job.createdOn.getTime(), job.startAfter.getTime()));
    const oldest = dueSince.length ? Math.min(...dueSince) : now;
    return Math.max(0, Math.round((now - oldest) / 1000));
  }

  /** No database to ask: always answers. */
  async ping(): Promise<void> {}

  async getDeadLetters<O>(queue: string, options: Omit<PgBossFindJobsOptions, 'queued'>): Promise<JobWithMetadata<O>[]> {
    return this.find('getDeadLetters', queue, this.deadLetterOf(queue), { ...options, queued: true });
  }

  /** Moves dead-lettered jobs of this queue back to it as new jobs. */
  async redrive(name: string, options: RedriveOptions): Promise<number> {
    const dlq = this.deadLetterOf(name);
    const source = options.sourceName ?? name;
    const moving = this.store
      .byQueue(dlq)
      .filter((job) => isQueued(job) && job.sourceName === source)
      .filter((job) => options.data === undefined || matchesPartial(job.data, options.data))
      .slice(0, options.limit ?? 1000);
    const target = options.destination ?? source;
    const queue = this.queueOptions(target);
    const moved: StoredJob[] = [];
    for (const job of moving) {
      const copy = this.store.insert(target, job.data, {}, queue);
      if (!copy) continue;
      Object.assign(job, { state: 'completed', completedOn: new Date() });
      moved.push(copy);
    }
    await this.inserted(moved);
    return moved.length;
  }

  async pauseQueue(queue: string): Promise<void> {
    this.queueOptions(queue);
    this.paused.add(queue);
  }

  async resumeQueue(queue: string): Promise<void> {
    this.queueOptions(queue);
    this.paused.delete(queue);
  }

  async isQueuePaused(queue: string): Promise<boolean> {
    this.queueOptions(queue);
    return this.paused.has(queue);
  }

  /**
   * The options a declared queue is created with (see `declaredQueues`); a queue nothing declares
   * does not exist: a {@link JobsConfigurationError}, as pg-boss reports a missing queue.
   */
  queueOptions(name: string): JobQueueOptions {
    const queue = this.registry.queue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    return queue.options;
  }

  /** Forgets every recorded job and schedule, and resumes every paused queue. */
  clear(): void {
    this.store.clear();
    this.published.length = 0;
    this.schedules.clear();
    this.paused.clear();
  }

  private deadLetterOf(name: string): string {
    const dlq = this.queueOptions(name).deadLetter;
    if (!dlq) throw new JobsConfigurationError(NO_DEAD_LETTER_QUEUE(name));
    return dlq;
  }

  private jobsById(queue: string, ids: readonly string[]): StoredJob[] {
    this.queueOptions(queue);
    return ids.map((id) => this.store.get(id)).filter((job): job is StoredJob => job?.name === queue);
  }

  /**
   * Jobs of queue `name` matching checked `findJobs` options, in the order they were stored (pg-boss's
   * order, by creation, for jobs sent one by one), after the job `after` names: as pg-boss, a
   * `JobValidationError` of `method` on `queue` (the queue the caller named) when it names no job of
   * the queue.
   */
  private find(method: string, queue: string, name: string, options: FindJobsOptions): JobWithProgress<any>[] {
    this.queueOptions(name);
    let jobs = this.store.byQueue(name);
    const after = options.after;
    if (after !== undefined) {
      const anchor = jobs.findIndex((job) => sameUuid(job.id, after));
      if (anchor < 0) throw new JobValidationError(INVALID_LOOKUP_OPTION(method, queue, PAGE_ANCHOR_GONE(after)), queue);
      jobs = jobs.slice(anchor + 1);
    }
    const states: ReadonlySet<JobState> | undefined =
      options.state === undefined ? undefined : new Set(typeof options.state === 'string' ? [options.state] : options.state);
    return jobs
      .filter(
        (job) =>
          (options.id === undefined || sameUuid(job.id, options.id)) &&
          (options.key === undefined || job.singletonKey === options.key) &&
          (options.data === undefined || matchesPartial(job.data, options.data)) &&
          (!options.queued || isQueued(job)) &&
          (states === undefined || states.has(job.state)),
      )
      .slice(0, options.limit ?? 1000)
      .map((job) => this.store.toMetadata(job));
  }
}

/**
 * Whether two ids name the same uuid, as PostgreSQL's `uuid` type compares them: the checks accept
 * every spelling it reads (upper case, without hyphens, in braces).
 */
function sameUuid(a: string, b: string): boolean {
  const canonical = (id: string) => id.replace(/[{}-]/g, '').toLowerCase();
  return a === b || canonical(a) === canonical(b);
}

/**
 * What PostgreSQL's `jsonb` input refuses in a payload that JSON.stringify writes, by the SQLSTATE
 * and message the server gives: a NUL character (`\u0000`, which `jsonb` text cannot hold) and a
 * lone UTF-16 surrogate (JSON.stringify escapes it as `\udxxx`; a paired one is written as is).
 * The parity test compares both with a real server.
 */
const JSONB_REFUSALS: ReadonlyArray<{ escape: RegExp; code: string; message: string }> = [
  { escape: /(?<!\\)(?:\\\\)*\\u0000/, code: '22P05', message: 'unsupported Unicode escape sequence' },
  { escape: /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/, code: '22P02', message: 'invalid input syntax for type json' },
];

/**
 * Refuses, as `PgBossBackend` reports PostgreSQL's refusal (a `JobValidationError`, nothing
 * stored), a call whose payloads hold what `jsonb` cannot store. The payloads passed `SendChecks`,
 * so they serialize.
 */
function refuseAsJsonb(payloads: readonly unknown[], queue: string, method: string): void {
  for (const payload of payloads) {
    if (payload === undefined || payload === null) continue;
    const json = JSON.stringify(payload);
    // Both refusals are written as escapes, so a payload without a backslash has neither.
    if (!json.includes('\\')) continue;
    const refusal = JSONB_REFUSALS.find(({ escape }) => escape.test(json));
    if (refusal) {
      throw new JobValidationError(VALUES_REFUSED_BY_DATABASE(method, queue, refusedValues(refusal)!), queue);
    }
  }
}
