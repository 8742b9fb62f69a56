import { randomUUID } from 'node:crypto';
import type { JobWithMetadata, QueuePolicy } from 'pg-boss';
import { MANAGED_QUEUE_OPTION_DEFAULTS } from '../module/jobs.constants.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type { SendJobOptions } from '../interfaces/send-options.interface.js';
import type { JobProgress } from '../interfaces/job.interface.js';
import type { JobWithProgress } from '../interfaces/job-record.interface.js';
import type { TestJob, TestJobState } from './interfaces/test-job.interface.js';

/** Internal: a recorded job, mutable while the store settles it. */
export interface StoredJob extends TestJob<unknown> {
  state: TestJobState;
  retryCount: number;
  output: object | null;
  progress: JobProgress | null;
  startedOn: Date | null;
  completedOn: Date | null;
  singletonOn: Date | null;
  policy: QueuePolicy;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
  sourceRetryCount: number | null;
  sourceOutput: object | null;
  /** Insertion order: ties on priority run oldest first. */
  seq: number;
}

const QUEUED: ReadonlySet<TestJobState> = new Set(['created', 'retry']);
const UP_TO_ACTIVE: ReadonlySet<TestJobState> = new Set(['created', 'retry', 'active']);

/** True for jobs waiting to run (pg-boss's "queued": created or retry). */
export const isQueued = (job: TestJob<unknown>): boolean => QUEUED.has(job.state);

/**
 * The testing module's queue: jobs in memory, deduplicated by the same rules as pg-boss's unique
 * indexes (policies `short`, `stately`, `exclusive`, throttle/debounce slots), so code that relies
 * on `send` returning `null` for a duplicate can be tested without a database.
 */
export class InMemoryJobsStore {
  private readonly jobs = new Map<string, StoredJob>();
  private seq = 0;

  all(): StoredJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): StoredJob | undefined {
    return this.jobs.get(id);
  }

  byQueue(name: string): StoredJob[] {
    return this.all().filter((job) => job.name === name);
  }

  clear(): void {
    this.jobs.clear();
  }

  /**
   * Inserts a job as pg-boss would, or returns `null` when one of its unique rules refuses it.
   * `queue` is the queue's resolved options; per-job options win over them.
   */
  insert(
    name: string,
    data: unknown,
    options: SendJobOptions,
    queue: JobQueueOptions,
    extra: { dependsOn?: string[]; source?: StoredJob } = {},
  ): StoredJob | null {
    const now = new Date();
    const id = options.id ?? randomUUID();
    if (this.jobs.has(id)) return null;
    const policy = queue.policy ?? 'standard';
    const period = options.throttle ?? options.debounce;
    const singletonKey = options.singletonKey ?? period?.key ?? null;
    let startAfter = toDate(options.startAfter, now);
    let singletonOn: Date | null = null;
    if (period) {
      const slotMs = period.seconds * 1000;
      singletonOn = new Date(Math.floor(now.getTime() / slotMs) * slotMs);
      if (this.slotTaken(name, singletonKey, singletonOn)) {
        if (!options.debounce) return null;
        // pg-boss's singletonNextSlot: the job moves to the next slot, and starts when it opens.
        singletonOn = new Date(singletonOn.getTime() + slotMs);
        if (this.slotTaken(name, singletonKey, singletonOn)) return null;
        startAfter = singletonOn;
      }
    }
    if (this.policyRefuses(name, policy, singletonKey)) return null;
    const source = extra.source;
    const job: StoredJob = {
      id,
      name,
      data,
      options,
      state: 'created',
      priority: options.priority ?? 0,
      singletonKey,
      singletonOn,
      startAfter,
      createdOn: now,
      startedOn: null,
      completedOn: null,
      retryCount: 0,
      retryLimit: options.retryLimit ?? queue.retryLimit ?? MANAGED_QUEUE_OPTION_DEFAULTS.retryLimit,
      retryDelay: options.retryDelay ?? queue.retryDelay ?? MANAGED_QUEUE_OPTION_DEFAULTS.retryDelay,
      retryBackoff: options.retryBackoff ?? queue.retryBackoff ?? MANAGED_QUEUE_OPTION_DEFAULTS.retryBackoff,
      expireInSeconds:
        options.expireInSeconds ?? queue.expireInSeconds ?? MANAGED_QUEUE_OPTION_DEFAULTS.expireInSeconds,
      deadLetter: options.deadLetter ?? queue.deadLetter ?? null,
      policy,
      output: null,
      progress: null,
      dependsOn: extra.dependsOn ?? [],
      sourceName: source?.name ?? null,
      sourceId: source?.id ?? null,
      sourceRetryCount: source?.retryCount ?? null,
      sourceOutput: source?.output ?? null,
      seq: this.seq++,
    };
    this.jobs.set(id, job);
    return job;
  }

  /** The job as pg-boss hands it to a worker (`includeMetadata: true`). */
  toRaw(job: StoredJob, signal: AbortSignal): JobWithMetadata<object> {
    return {
      id: job.id,
      name: job.name,
      data: job.data as object,
      expireInSeconds: job.expireInSeconds,
      heartbeatSeconds: null,
      retryCount: job.retryCount,
      signal,
      priority: job.priority,
      state: job.state,
      retryLimit: job.retryLimit,
      retryDelay: job.retryDelay,
      retryBackoff: job.retryBackoff,
      startAfter: job.startAfter,
      startedOn: job.startedOn ?? new Date(),
      singletonKey: job.singletonKey,
      singletonOn: job.singletonOn,
      deleteAfterSeconds: MANAGED_QUEUE_OPTION_DEFAULTS.deleteAfterSeconds,
      createdOn: job.createdOn,
      completedOn: job.completedOn,
      keepUntil: new Date(job.createdOn.getTime() + MANAGED_QUEUE_OPTION_DEFAULTS.retentionSeconds * 1000),
      policy: job.policy,
      heartbeatOn: null,
      blocked: false,
      blocking: false,
      pendingDependencies: 0,
      deadLetter: job.deadLetter as string,
      output: job.output as object,
      sourceName: job.sourceName,
      sourceId: job.sourceId,
      sourceCreatedOn: null,
      sourceRetryCount: job.sourceRetryCount,
      sourceOutput: job.sourceOutput,
      sourceRootId: job.sourceId,
    };
  }

  /** The job as `JobsService.getJob`/`findJobs` return it. */
  toMetadata(job: StoredJob): JobWithProgress<any> {
    const { signal: _signal, ...raw } = this.toRaw(job, new AbortController().signal);
    return { ...raw, startedOn: job.startedOn as Date, progress: job.progress } as JobWithProgress<any>;
  }

  // pg-boss's unique indexes, keyed on COALESCE(singleton_key, ''): keyless jobs share one key.
  private policyRefuses(name: string, policy: QueuePolicy, key: string | null): boolean {
    const sameKey = (job: StoredJob) => job.name === name && (job.singletonKey ?? '') === (key ?? '');
    switch (policy) {
      case 'short':
      case 'stately':
        return this.all().some((job) => sameKey(job) && job.state === 'created');
      case 'exclusive':
        return this.all().some((job) => sameKey(job) && UP_TO_ACTIVE.has(job.state));
      default:
        return false;
    }
  }

  private slotTaken(name: string, key: string | null, slot: Date): boolean {
    return this.all().some(
      (job) =>
        job.name === name &&
        (job.singletonKey ?? '') === (key ?? '') &&
        job.singletonOn?.getTime() === slot.getTime() &&
        job.state !== 'cancelled',
    );
  }
}

function toDate(startAfter: SendJobOptions['startAfter'], now: Date): Date {
  if (startAfter === undefined) return now;
  if (startAfter instanceof Date) return startAfter;
  if (typeof startAfter === 'number') return new Date(now.getTime() + startAfter * 1000);
  return new Date(startAfter);
}
