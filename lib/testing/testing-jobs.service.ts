import { EventEmitter } from 'node:events';
import { PgBoss, type FindJobsOptions, type JobWithMetadata, type QueueResult, type RedriveOptions } from 'pg-boss';
import { JobsService } from '../runtime/jobs.service.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type {
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
  TransactionOptions,
} from '../interfaces/send-options.interface.js';
import { JobsTestingError } from './errors/jobs-testing.error.js';
import { NEEDS_DATABASE } from './testing.messages.js';
import type { JobsTester } from './jobs.tester.js';
import type { AnyDefinition } from '../utils/queue-name.util.js';
import { PgBossBackend } from '../backend/pg-boss/pg-boss.backend.js';

type Definition<I> = JobDefinition<I, any>;

// Everything a PgBoss answers to, so each use names itself in the error.
const PG_BOSS_MEMBERS: ReadonlySet<string> = new Set(
  [PgBoss.prototype, EventEmitter.prototype]
    .flatMap((prototype) => Object.getOwnPropertyNames(prototype))
    .filter((name) => name !== 'constructor'),
);

/**
 * Stands in for the `PgBoss` instance (the `PG_BOSS` token, `JobsService.boss`): any use throws a
 * {@link JobsTestingError} saying a database is needed. Nest may probe it for lifecycle hooks,
 * so reading an unknown property answers `undefined` instead of throwing.
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
 * The `JobsService` the application's code receives in the testing module. Every call is checked
 * as `JobsService` checks it before storing anything (same errors, same messages). Sending,
 * scheduling and cancelling work on the tester's in-memory queue (a valid `{ db }` is accepted and
 * ignored: there is no transaction to join); `getJob`, `findJobs`, `getQueueCounts`,
 * `getDeadLetters` and `redrive` read and change it. `boss` and `getQueue` need a database and throw a {@link JobsTestingError}.
 * Any method `JobsService` gains later and this class does not implement throws the same way.
 *
 * @example
 * const jobs = moduleRef.get(JobsService); // a TestingJobsService
 * await jobs.send(WelcomeEmail, { userId: 'u1', email: 'ada@example.com' });
 * getJobsTester(moduleRef).expectEnqueued(WelcomeEmail, { userId: 'u1' });
 */
export class TestingJobsService extends JobsService {
  /** @internal Built by the testing module's providers. */
  constructor(
    /** The tester behind this service. */
    readonly tester: JobsTester,
    bus: JobEventsBus,
    boss: PgBoss,
  ) {
    // The tester's registry: an inherited method waits for its handlers, then reaches `boss`, which
    // throws (a database is needed).
    super(new PgBossBackend({ boss, owned: false }, 'pgboss'), tester.registry, bus);
  }

  override get boss(): PgBoss {
    throw new JobsTestingError(NEEDS_DATABASE('JobsService.boss'));
  }

  override async send<I>(definition: Definition<I>, data: NoInfer<I>, options?: SendJobOptions): Promise<string | null>;
  override async send(name: string, data?: object | null, options?: SendJobOptions): Promise<string | null>;
  override async send(definition: AnyDefinition, data?: unknown, options: SendJobOptions = {}): Promise<string | null> {
    return this.tester.send(definition, data, options);
  }

  override async sendMany<I>(
    definition: Definition<I>,
    jobs: ReadonlyArray<{ data: NoInfer<I>; options?: SendManyJobOptions }>,
    options?: TransactionOptions,
  ): Promise<string[]>;
  override async sendMany(
    definition: string,
    jobs: ReadonlyArray<{ data: object; options?: SendManyJobOptions }>,
    options?: TransactionOptions,
  ): Promise<string[]>;
  override async sendMany(
    definition: AnyDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
    options: TransactionOptions = {},
  ): Promise<string[]> {
    return this.tester.sendMany(definition, jobs, options);
  }

  override async flow(steps: ReadonlyArray<FlowStep<any>>, options: TransactionOptions = {}): Promise<Record<string, string>> {
    return this.tester.flow(steps, options);
  }

  override async schedule<I>(definition: Definition<I>, cron: string, data?: NoInfer<I>, options?: ScheduleJobOptions): Promise<void>;
  override async schedule(definition: string, cron: string, data?: object, options?: ScheduleJobOptions): Promise<void>;
  override async schedule(definition: AnyDefinition, cron: string, data?: unknown, options: ScheduleJobOptions = {}): Promise<void> {
    return this.tester.schedule(definition, cron, data, options);
  }

  override async unschedule(definition: AnyDefinition, key?: string): Promise<void> {
    this.tester.unschedule(definition, key);
  }

  override async cancel(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    this.tester.cancel(definition, ids);
  }

  override async resume(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    this.tester.resume(definition, ids);
  }

  override async retry(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    this.tester.retry(definition, ids);
  }

  override async getJob<O>(definition: JobDefinition<any, O> | string, id: string): Promise<JobWithMetadata<O> | null> {
    return this.tester.getJob(definition, id);
  }

  override async findJobs<O>(definition: JobDefinition<any, O> | string, options: FindJobsOptions = {}): Promise<JobWithMetadata<O>[]> {
    return this.tester.findJobs(definition, options);
  }

  override async getQueue(_definition: AnyDefinition): Promise<QueueResult | null> {
    throw new JobsTestingError(NEEDS_DATABASE('JobsService.getQueue'));
  }

  override async getQueueCounts(definition: AnyDefinition): Promise<QueueCounts> {
    return this.tester.getQueueCounts(definition);
  }

  override async getDeadLetters<O>(
    definition: JobDefinition<any, O> | string,
    options: Omit<FindJobsOptions, 'queued'> = {},
  ): Promise<JobWithMetadata<O>[]> {
    return this.tester.getDeadLetters(definition, options);
  }

  override async redrive(definition: AnyDefinition, options: RedriveOptions = {}): Promise<number> {
    return this.tester.redrive(definition, options);
  }
}
