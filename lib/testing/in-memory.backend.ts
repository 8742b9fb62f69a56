import { EventEmitter } from 'node:events';
import { PgBoss, type FindJobsOptions, type JobWithMetadata, type QueueResult, type RedriveOptions } from 'pg-boss';
import type { CheckedDefinition, JobsBackend } from '../backend/jobs-backend.js';
import type { KnownQueue } from '../runtime/send-checks.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { NO_DEAD_LETTER_QUEUE } from '../errors/jobs.messages.js';
import { pickQueueOptions } from '../declare/resolve-handler-options.util.js';
import { describeValue } from '../utils/describe-value.util.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
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

/** @internal What the {@link InMemoryBackend} needs from the `JobsTester` that owns it. */
export interface InMemoryBackendHost {
  /** The handlers by queue, once discovered (empty before). */
  handlers(): ReadonlyMap<string, RegisteredHandler>;
  /** Called with the jobs each call stored (inline mode runs them at once); rejects as they fail. */
  inserted(jobs: StoredJob[]): Promise<void>;
}

/**
 * @internal The {@link JobsBackend} of the testing kit: jobs in an {@link InMemoryJobsStore},
 * runtime schedules in a map, queue options resolved as `JobsModule` would create the queues. A
 * valid `{ db }` is ignored (there is no transaction to join). `boss` and `getQueue` need a
 * database and throw a {@link JobsTestingError}. The tester runs what was stored (`drain`, inline mode).
 */
export class InMemoryBackend implements JobsBackend {
  /** The jobs recorded by `JobsService` (and by drains: retries, dead letters). */
  readonly store = new InMemoryJobsStore();
  /** Runtime schedules by queue and key. */
  readonly schedules = new Map<string, TestSchedule>();
  private cronParser: PgBoss | undefined;
  /** What needs a database: any use throws, naming the pg-boss call. */
  private readonly unavailable = unavailablePgBoss();

  constructor(
    private readonly options: JobsModuleOptions,
    private readonly host: InMemoryBackendHost,
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
   * No database here: the queues this kit knows are the declared ones (with a handler, or in
   * `queues`), so a per-send deadLetter must be a dead-letter queue this app declares. JobsService
   * also accepts a queue that only the database holds as some queue's dead-letter queue.
   */
  async queues(): Promise<readonly KnownQueue[]> {
    const handlers = this.host.handlers();
    const queues: KnownQueue[] = [...handlers.values()].map((h) => ({ name: h.queue, deadLetter: h.queueOptions.deadLetter }));
    for (const definition of this.options.queues ?? []) {
      if (!handlers.has(definition.name)) {
        queues.push({ name: definition.name, deadLetter: this.queueOptions(definition).deadLetter });
      }
    }
    return queues;
  }

  async send(definition: CheckedDefinition, data: object | null, options: SendJobOptions): Promise<string | null> {
    const job = this.store.insert(definition.name, data, options, this.queueOptions(definition));
    if (job) await this.host.inserted([job]);
    return job?.id ?? null;
  }

  async sendMany(
    definition: CheckedDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
  ): Promise<string[]> {
    const queue = this.queueOptions(definition);
    const inserted = jobs
      .map((job) => this.store.insert(definition.name, job.data ?? null, job.options ?? {}, queue))
      .filter((job): job is StoredJob => job !== null);
    await this.host.inserted(inserted);
    return inserted.map((job) => job.id);
  }

  async flow(steps: ReadonlyArray<FlowStep<any>>, definitions: ReadonlyArray<CheckedDefinition>): Promise<Record<string, string>> {
    // What pg-boss checks when it stores a flow, before any step is stored.
    for (const step of steps) {
      for (const ref of step.dependsOn ?? []) {
        if (!steps.some((s) => s.ref === ref)) {
          throw new JobsConfigurationError(`flow step ${describeValue(step.ref)} depends on unknown step ${describeValue(ref)}`);
        }
      }
    }
    const ids: Record<string, string> = {};
    const inserted: StoredJob[] = [];
    steps.forEach((step, i) => {
      const def = definitions[i]!;
      const job = this.store.insert(def.name, step.data ?? null, step.options ?? {}, this.queueOptions(def));
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
    await this.host.inserted(inserted);
    return ids;
  }

  async schedule(definition: CheckedDefinition, cron: string, data: unknown, options: ScheduleJobOptions): Promise<void> {
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

  async getJob<O>(queue: string, id: string): Promise<JobWithMetadata<O> | null> {
    return this.find(queue, { id })[0] ?? null;
  }

  async findJobs<O>(queue: string, options: FindJobsOptions): Promise<JobWithMetadata<O>[]> {
    return this.find(queue, options);
  }

  /** Needs a database: throws a {@link JobsTestingError} naming `PgBoss.getQueue`. */
  getQueue(queue: string): Promise<QueueResult | null> {
    return this.unavailable.getQueue(queue);
  }

  async getQueueCounts(name: string): Promise<QueueCounts> {
    const count = (state: string) => this.store.byQueue(name).filter((job) => job.state === state).length;
    const deadLetter = this.queueOptions({ name, options: {} }).deadLetter;
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

  async getDeadLetters<O>(queue: string, options: Omit<FindJobsOptions, 'queued'>): Promise<JobWithMetadata<O>[]> {
    return this.find(this.deadLetterOf(queue), { ...options, queued: true });
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
    const queue = this.queueOptions(this.host.handlers().get(target)?.definition ?? { name: target, options: {} });
    const moved: StoredJob[] = [];
    for (const job of moving) {
      const copy = this.store.insert(target, job.data, {}, queue);
      if (!copy) continue;
      Object.assign(job, { state: 'completed', completedOn: new Date() });
      moved.push(copy);
    }
    await this.host.inserted(moved);
    return moved.length;
  }

  /** The queue's options as the module would create it: its handler's, or declared ones over defaults. */
  queueOptions(def: CheckedDefinition): JobQueueOptions {
    const handlers = this.host.handlers();
    const handler = handlers.get(def.name);
    if (handler) return handler.queueOptions;
    const defaults = pickQueueOptions((this.options.queueDefaults ?? {}) as Record<string, unknown>);
    const producer = this.options.queues?.find((q) => q.name === def.name);
    const declared = producer ?? def;
    const isDeadLetterQueue = [...handlers.values()].some((h) => h.queueOptions.deadLetter === def.name);
    if (Object.keys(declared.options).length === 0 && isDeadLetterQueue) {
      // Dead-letter queues are created from the defaults without a dead letter of their own.
      const { deadLetter: _ignored, ...rest } = defaults;
      return rest;
    }
    return { ...defaults, ...pickQueueOptions(declared.options as Record<string, unknown>) };
  }

  /** Forgets every recorded job and schedule. */
  clear(): void {
    this.store.clear();
    this.schedules.clear();
  }

  private deadLetterOf(name: string): string {
    const dlq = this.queueOptions({ name, options: {} }).deadLetter;
    if (!dlq) throw new JobsConfigurationError(NO_DEAD_LETTER_QUEUE(name));
    return dlq;
  }

  private jobsById(queue: string, ids: readonly string[]): StoredJob[] {
    return ids.map((id) => this.store.get(id)).filter((job): job is StoredJob => job?.name === queue);
  }

  /** Jobs of a queue matching checked `findJobs` options. */
  private find(name: string, options: FindJobsOptions): JobWithMetadata<any>[] {
    return this.store
      .byQueue(name)
      .filter(
        (job) =>
          (options.id === undefined || job.id === options.id) &&
          (options.key === undefined || job.singletonKey === options.key) &&
          (options.data === undefined || matchesPartial(job.data, options.data)) &&
          (!options.queued || isQueued(job)),
      )
      .slice(0, options.limit ?? 1000)
      .map((job) => this.store.toMetadata(job));
  }
}
