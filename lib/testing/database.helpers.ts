import type { JobWithMetadata } from 'pg-boss';
import { JobsService } from '../runtime/jobs.service.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import { JobAssertionError } from './errors/job-assertion.error.js';
import { queueNameOf as queueName, type AnyDefinition } from '../utils/queue-name.util.js';
import { matchesPartial, show, type DeepPartial } from './match.util.js';
import { EXPECTED_ENQUEUED, JOB_ENDED_ELSEWHERE, WAIT_TIMEOUT } from './testing.messages.js';
import type { TestJobState } from './interfaces/test-job.interface.js';
import type { JobRecord } from '../interfaces/job-record.interface.js';

/** A Nest application, application context or `TestingModule`: anything `JobsService` can be got from. */
export type JobsApp = { get(token: any, options?: { strict: boolean }): any };

/**
 * Options of the database helpers' waits.
 *
 * @example
 * await waitForJob(app, Thumbnail, id, 'completed', { timeoutMs: 5_000 });
 */
export interface WaitOptions {
  /** Give up after this long (default 10 000 ms). */
  timeoutMs?: number;
  /**
   * Slowest re-check of the database (default 250 ms), for jobs run by another instance, which
   * emits no event here. Jobs run by this app are re-checked as their events arrive.
   */
  pollMs?: number;
}

const FINAL: ReadonlySet<string> = new Set(['completed', 'cancelled', 'failed']);

/**
 * Re-runs `check` when `trigger` fires and on a slow backstop, until it settles the promise.
 * After a trigger it re-checks every 10 ms for a second. Outcome events fire once pg-boss has
 * recorded the outcome, so the re-check they start sees the new state; the quick re-checks after
 * a `started` event cover an outcome that follows soon after.
 */
function watch<T>(
  app: JobsApp,
  isTrigger: (event: { queue: string; jobId: string }) => boolean,
  check: () => Promise<{ done: true; value: T } | { done: false; seen: string }>,
  onTimeout: (seen: string) => Error,
  { timeoutMs = 10_000, pollMs = 250 }: WaitOptions,
): Promise<T> {
  const jobs = app.get(JobsService, { strict: false }) as JobsService;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let running = false;
    let again = false;
    let seen = 'nothing seen yet';
    let fastUntil = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      subscription.unsubscribe();
      clearTimeout(timer);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(value as T);
    };
    const schedule = () => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(run, Date.now() < fastUntil ? 10 : pollMs);
    };
    const run = async () => {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const result = await check();
          if (result.done) return finish(undefined, result.value);
          seen = result.seen;
        } while (again && !settled);
      } catch (error) {
        return finish(error);
      } finally {
        running = false;
      }
      schedule();
    };
    const subscription = jobs.events$.subscribe((event) => {
      if (!isTrigger(event)) return;
      fastUntil = Date.now() + 1000;
      void run();
    });
    const deadline = setTimeout(() => finish(onTimeout(seen)), timeoutMs);
    void run();
  });
}

/**
 * Waits until a job reaches `state` in the database and resolves with it, as
 * `JobsService.getJob` returns it. Driven by the app's job events, with a cheap re-check of the
 * job's row; no fixed sleep. Rejects with a {@link JobAssertionError} naming the state it saw
 * when the job ends in another final state (completed, failed, cancelled) or the time runs out.
 *
 * @example
 * const id = await jobs.send(Thumbnail, { imageId: 'cat.jpg', size: 64 });
 * const job = await waitForJob(app, Thumbnail, id!, 'completed', { timeoutMs: 5_000 });
 * expect(job.output).toMatchObject({ size: 64 });
 *
 * // a definition with a result type (defineJob<TData, TResult>): the completed job's output is typed
 * const invoice = await waitForJob(app, Invoice, invoiceId, 'completed');
 * expect(invoice.output.total).toBe(42);
 */
export async function waitForJob<O = any, R = unknown, S extends TestJobState = TestJobState>(
  app: JobsApp,
  definition: JobDefinition<any, O, R> | string,
  id: string,
  state: S,
  options: WaitOptions = {},
): Promise<JobRecord<O, R, S>> {
  const jobs = app.get(JobsService, { strict: false }) as JobsService;
  const what = `job ${id} of "${queueName(definition)}" to be ${state}`;
  // The job returned is in `state`: the record of that state, as getJob types it.
  return watch<JobRecord<O, R, S>>(
    app,
    (event) => event.jobId === id,
    async () => {
      const job = await jobs.getJob<O>(definition, id);
      if (!job) return { done: false, seen: 'the job was not found' };
      if (job.state === state) return { done: true, value: job as JobRecord<O, R, S> };
      const seen = describeState(job);
      if (FINAL.has(job.state)) throw new JobAssertionError(JOB_ENDED_ELSEWHERE(what, seen));
      return { done: false, seen };
    },
    (seen) => new JobAssertionError(WAIT_TIMEOUT(what, options.timeoutMs ?? 10_000, `last seen: ${seen}`)),
    options,
  );
}

/**
 * Waits until the queues have nothing queued (created or retry, delayed ones included) and nothing
 * active, by `JobsService.getQueueCounts`, and resolves with their counts. Re-checked on each
 * event of those queues. Rejects with a {@link JobAssertionError} listing the last counts.
 *
 * @example
 * await imports.upload(csv);
 * const [rows] = await waitUntilIdle(app, [ParseImport, ImportRow]).then((c) => c.slice(1));
 * expect(rows!.completed).toBeGreaterThan(0);
 */
export async function waitUntilIdle(
  app: JobsApp,
  definitions: AnyDefinition | readonly AnyDefinition[],
  options: WaitOptions = {},
): Promise<QueueCounts[]> {
  const jobs = app.get(JobsService, { strict: false }) as JobsService;
  const list = (Array.isArray(definitions) ? definitions : [definitions]) as AnyDefinition[];
  const names = new Set(list.map(queueName));
  return watch<QueueCounts[]>(
    app,
    (event) => names.has(event.queue),
    async () => {
      const counts = await Promise.all(list.map((definition) => jobs.getQueueCounts(definition)));
      if (counts.every((c) => c.queued === 0 && c.active === 0)) return { done: true, value: counts };
      return {
        done: false,
        seen: counts.map((c) => `"${c.queue}" queued ${c.queued}, active ${c.active}`).join('; '),
      };
    },
    (seen) =>
      new JobAssertionError(
        WAIT_TIMEOUT(`${[...names].map((n) => `"${n}"`).join(', ')} to be idle`, options.timeoutMs ?? 10_000, `last counts: ${seen}`),
      ),
    options,
  );
}

/**
 * Asserts that the database holds a job of this definition waiting to run (created or retry)
 * whose payload contains `data` (deep partial match); with `count`, exactly that many. Resolves
 * with the matches. Rejects with a {@link JobAssertionError} listing what the queue holds.
 *
 * @example
 * await request(app.getHttpServer()).post('/payments/o-1/capture').send({ amountCents: 100 });
 * await expectEnqueuedInDatabase(app, CapturePayment, { orderId: 'o-1' }, { count: 1 });
 */
export async function expectEnqueuedInDatabase<I>(
  app: JobsApp,
  definition: JobDefinition<I, any>,
  data?: DeepPartial<NoInfer<I>>,
  expectation?: { count?: number },
): Promise<JobWithMetadata<I>[]>;
export async function expectEnqueuedInDatabase(
  app: JobsApp,
  definition: string,
  data?: object,
  expectation?: { count?: number },
): Promise<JobWithMetadata<Record<string, unknown>>[]>;
export async function expectEnqueuedInDatabase(
  app: JobsApp,
  definition: AnyDefinition,
  data?: unknown,
  { count }: { count?: number } = {},
): Promise<JobWithMetadata<any>[]> {
  const jobs = app.get(JobsService, { strict: false }) as JobsService;
  const queued = await jobs.findJobs<unknown>(definition, { queued: true });
  const matching = queued.filter((job) => data === undefined || matchesPartial(job.data, data));
  if (count === undefined ? matching.length > 0 : matching.length === count) return matching;
  const name = queueName(definition);
  const wanted =
    (data === undefined ? '' : ` with data matching ${show(data)}`) +
    (count === undefined ? '' : ` exactly ${count} time${count === 1 ? '' : 's'}`);
  const found =
    queued.length === 0
      ? 'but none is enqueued there in the database.'
      : `but ${matching.length} match${matching.length === 1 ? 'es' : ''}; the ${queued.length} enqueued there:\n` +
        queued.map((job, i) => `  ${i + 1}. ${show(job.data)} (${job.state}, id ${job.id})`).join('\n');
  throw new JobAssertionError(EXPECTED_ENQUEUED(name, wanted, found));
}

function describeState(job: JobWithMetadata<unknown>): string {
  const output = job.output && Object.keys(job.output).length ? `, output ${show(job.output)}` : '';
  return `${job.state} (retry ${job.retryCount} of ${job.retryLimit}${output})`;
}
