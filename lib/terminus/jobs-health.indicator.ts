import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { JobsRegistry } from '../runtime/jobs.registry.js';
import { JOBS_BACKEND, type JobsBackend, type QueueBacklog } from '../backend/jobs-backend.js';
import {
  checkDeclaredQueues,
  checkHealthOptions,
  type CheckedHealthOptions,
  type CheckedThresholds,
} from './validate-health-options.util.js';
import {
  DATABASE_FAILED,
  DATABASE_TIMED_OUT,
  MODULE_NOT_RUNNING,
  OVER_MAX_DEAD_LETTERED,
  OVER_MAX_OLDEST_WAITING,
  OVER_MAX_QUEUED,
  QUEUE_READ_FAILED,
  QUEUE_READ_TIMED_OUT,
  WORKERS_NOT_RUNNING,
} from './terminus.messages.js';
import type {
  JobsHealthCheckName,
  JobsHealthDetails,
  JobsHealthFailure,
  JobsHealthOptions,
  JobsQueueHealth,
} from './jobs-health-options.interface.js';

/** Thrown inside the attempt when a part of the check failed: Terminus turns it into `down`. */
class JobsUnhealthy extends Error {
  override readonly name = 'JobsUnhealthy';

  constructor(
    message: string,
    readonly details: JobsHealthFailure,
  ) {
    super(message);
  }
}

/** A read that did not answer before the check's deadline. */
class TimedOut extends Error {}

interface Problem {
  check: JobsHealthCheckName;
  message: string;
}

/**
 * A Terminus health indicator for `JobsModule`. `down` when the module is not running (starting,
 * failed to start, shut down), when this instance's workers are not running although it has
 * workers, when the database does not answer `SELECT 1` on the module's own pool within
 * `timeoutMs`, or when a queue is over one of its limits; the details say which part failed and
 * why. Provide it next to `TerminusModule` in the app's health module.
 *
 * @example
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [JobsHealthIndicator] })
 * export class HealthModule {}
 *
 * // in HealthController
 * @Get() @HealthCheck()
 * check() {
 *   return this.health.check([() => this.jobsHealth.isHealthy('jobs', { queues: [{ queue: WelcomeEmail, maxQueued: 1000 }] })]);
 * }
 */
@Injectable()
export class JobsHealthIndicator {
  /**
   * Database reads still in flight, by what they read (`ping`, a queue name). A read that timed out
   * stays queued in the pool until a connection frees up; the next check waits on it instead of
   * queueing another, so a stuck pool does not pile up one query per probe.
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly healthIndicatorService: HealthIndicatorService,
    private readonly registry: JobsRegistry,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
  ) {}

  /**
   * Checks the jobs module and returns Terminus' attempt for `key` (chain `.cacheFor()`,
   * `.degradedOnFailure()` or `.withData()` on it as on Terminus' own indicators). Invalid options
   * throw a `JobsConfigurationError` here, before anything is checked; a queue this app does not
   * declare is reported as soon as the module knows its queues.
   *
   * @example
   * this.health.check([
   *   () => this.jobsHealth.isHealthy('jobs', {
   *     timeoutMs: 1000,
   *     queues: [{ queue: WelcomeEmail, maxQueued: 1000, maxOldestWaitingSeconds: 300, maxDeadLettered: 10 }],
   *   }),
   * ]);
   */
  isHealthy<const Key extends string>(key: Key, options?: JobsHealthOptions) {
    const checked = checkHealthOptions(options);
    if (this.registry.handlersResolved) checkDeclaredQueues(checked, this.registry);
    return this.healthIndicatorService
      .check(key)
      .attempt(() => this.check(checked))
      .withSuccessData((details: JobsHealthDetails) => details)
      // Without details only for an error of Terminus' own (a timeout chained with .withTimeout()).
      .withFailureData((error: unknown): Partial<JobsHealthFailure> => (error instanceof JobsUnhealthy ? error.details : {}));
  }

  private async check(options: CheckedHealthOptions): Promise<JobsHealthDetails> {
    const deadline = performance.now() + options.timeoutMs;
    const module = this.registry.state;
    const details: JobsHealthDetails = { module, workers: this.registry.workers };
    const problems: Problem[] = [];
    if (module !== 'running') {
      problems.push({ check: 'module', message: MODULE_NOT_RUNNING(module, this.registry.startError) });
      throw unhealthy(details, problems);
    }
    // An attempt built before the module knew its queues (and then kept) is checked here.
    try {
      checkDeclaredQueues(options, this.registry);
    } catch (error) {
      problems.push({ check: 'queues', message: (error as Error).message });
      throw unhealthy(details, problems);
    }
    if (details.workers !== 'running' && details.workers !== 'disabled') {
      problems.push({ check: 'workers', message: WORKERS_NOT_RUNNING(details.workers) });
    }
    try {
      await this.read('ping', deadline, () => this.backend.ping());
      details.database = 'up';
    } catch (error) {
      details.database = 'down';
      const message = error instanceof TimedOut ? DATABASE_TIMED_OUT(options.timeoutMs) : DATABASE_FAILED(error);
      problems.push({ check: 'database', message });
    }
    if (details.database === 'up' && options.queues.length > 0) {
      const read = await Promise.all(options.queues.map((limits) => this.queue(limits, deadline, options.timeoutMs)));
      details.queues = Object.fromEntries(read.flatMap(({ queue, health }) => (health ? [[queue, health]] : [])));
      problems.push(...read.flatMap(({ problems }) => problems));
    }
    if (problems.length > 0) throw unhealthy(details, problems);
    return details;
  }

  /** One queue's waiting jobs against its limits. */
  private async queue(
    limits: CheckedThresholds,
    deadline: number,
    timeoutMs: number,
  ): Promise<{ queue: string; health?: JobsQueueHealth; problems: Problem[] }> {
    const { queue } = limits;
    let backlog: QueueBacklog;
    try {
      backlog = await this.read(`queue:${queue}`, deadline, () => this.backend.getQueueBacklog(queue));
    } catch (error) {
      const message = error instanceof TimedOut ? QUEUE_READ_TIMED_OUT(queue, timeoutMs) : QUEUE_READ_FAILED(queue, error);
      return { queue, problems: [{ check: 'queues', message }] };
    }
    const health: JobsQueueHealth = {
      queued: backlog.queued,
      oldestWaitingSeconds: backlog.oldestWaitingSeconds,
      deadLettered: backlog.dead,
    };
    const over: string[] = [];
    if (limits.maxQueued !== undefined && backlog.queued > limits.maxQueued) {
      over.push(OVER_MAX_QUEUED(queue, backlog.queued, limits.maxQueued));
    }
    if (limits.maxOldestWaitingSeconds !== undefined && backlog.oldestWaitingSeconds > limits.maxOldestWaitingSeconds) {
      over.push(OVER_MAX_OLDEST_WAITING(queue, backlog.oldestWaitingSeconds, limits.maxOldestWaitingSeconds));
    }
    if (limits.maxDeadLettered !== undefined && backlog.dead > limits.maxDeadLettered) {
      const deadLetter = this.registry.queue(queue)?.options.deadLetter ?? `${queue}.dead`;
      over.push(OVER_MAX_DEAD_LETTERED(queue, deadLetter, backlog.dead, limits.maxDeadLettered));
    }
    return { queue, health, problems: over.map((message) => ({ check: 'queues', message })) };
  }

  /**
   * Runs `fn` unless the same read is still in flight (then waits on that one), and rejects with
   * {@link TimedOut} at `deadline` whether or not the read ever settles: a pool whose connections
   * are all held would otherwise keep the check, and the probe, waiting.
   */
  private read<T>(key: string, deadline: number, fn: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      const started = fn().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, started);
      pending = started;
    }
    const read = pending;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimedOut()), Math.max(0, deadline - performance.now()));
      timer.unref();
      read.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function unhealthy(details: JobsHealthDetails, problems: Problem[]): JobsUnhealthy {
  const failed = [...new Set(problems.map((problem) => problem.check))];
  return new JobsUnhealthy(problems.map((problem) => problem.message).join('; '), { ...details, failed });
}
