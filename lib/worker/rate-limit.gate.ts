import type { Job } from '../interfaces/job.interface.js';
import type { JobRateLimit } from '../interfaces/job-handler-options.interface.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import { RATE_LIMIT_PERMIT_FAILED } from '../errors/jobs.messages.js';

/** Hands out start permits of one queue: in how many ms the permit's window opens (<= 0: open now). */
export interface RateLimitPermits {
  claim(queue: string, limit: JobRateLimit): Promise<number>;
}

/** How long, in ms, a job waits before asking again when a permit could not be taken (the database did not answer). */
export const PERMIT_RETRY_MS = 1_000;

/**
 * The start permits of a rate-limited handler (`rateLimit`): the `turn` its worker slots give the
 * runner, which holds each job until the job has a permit and the permit's window is open. The job
 * is in the slot's hands meanwhile (fetched, `active`), so a slot of a rate-limited handler fetches
 * one job at a time.
 *
 * A job whose signal aborts while it waits (it was cancelled, or it timed out, or shutdown ran out of
 * time) stops waiting at once; the runner then records it as it records any job aborted before its
 * turn. A permit that cannot be taken (the database did not answer) is asked for again every
 * {@link PERMIT_RETRY_MS}: a job never starts without one.
 */
export class RateLimitGate {
  constructor(
    private readonly queue: string,
    private readonly limit: JobRateLimit,
    private readonly permits: RateLimitPermits,
    private readonly logger?: JobsLogger,
  ) {}

  /** Resolves when `job` may start (or its signal aborted). */
  readonly turn = async (job: Job<unknown>): Promise<void> => {
    const signal = job.signal;
    for (;;) {
      if (signal.aborted) return;
      let waitMs: number;
      try {
        waitMs = await this.permits.claim(this.queue, this.limit);
      } catch (error) {
        this.logger?.warn(RATE_LIMIT_PERMIT_FAILED(this.queue, job.id, (error as Error)?.message ?? String(error), PERMIT_RETRY_MS));
        await until(Date.now() + PERMIT_RETRY_MS, signal);
        continue;
      }
      // The window on this clock: it opens no earlier than the database said (the answer took time
      // to come back), and closes perSeconds later.
      const opens = Date.now() + waitMs;
      const closes = opens + this.limit.perSeconds * 1000;
      if (waitMs > 0) await until(opens, signal);
      if (signal.aborted) return;
      // Woken inside its window: start. Woken after it closed (the process stalled), the permit
      // counted in a window that is over: starting now would spend a later window's. Ask again.
      if (Date.now() < closes) return;
    }
  };
}

/**
 * Resolves at `deadline` (Date.now() clock) or once `signal` aborts. A timer may fire a little early
 * by this clock: it waits again for what is left, so nothing starts before its window.
 */
async function until(deadline: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, left);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
