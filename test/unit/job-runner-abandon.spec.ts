import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { JobResult } from 'pg-boss';
import { defineJob } from '../../lib/declare/define-job.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { ABANDON_AFTER_ABORT_MS, ABORT_SWEEP_MS, JobRunner } from '../../lib/worker/job.runner.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';
import type { JobsLogger } from '../../lib/module/jobs.logger.js';
import { rawJob } from './support/raw-job.js';

const Def = defineJob<{ n: number }>('hangs');


/** A handler whose calls never settle until the test says so. */
function hangingRunner(concurrency: number) {
  const pending = new Map<string, () => void>();
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const handler = {
    kind: 'single',
    owner: 'Hangs.handle',
    definition: Def,
    queue: 'hangs',
    options: { concurrency },
    queueOptions: {},
    invoke: (job: unknown) =>
      new Promise<void>((resolve) => pending.set((job as { id: string }).id, resolve)),
  } as unknown as RegisteredHandler;
  const runner = new JobRunner(handler, new JobEventsBus(), logger as unknown as JobsLogger);
  return { runner, pending, logger };
}

/** Settles `promise` into a box the test can read synchronously after advancing fake timers. */
function track<T>(promise: Promise<T>): { value?: T; done: boolean } {
  const box: { value?: T; done: boolean } = { done: false };
  void promise.then((value) => Object.assign(box, { value, done: true }));
  return box;
}

describe('JobRunner: a handler that outlives its job signal', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('frees the slot ABANDON_AFTER_ABORT_MS (+ at most one ABORT_SWEEP_MS) after pg-boss aborted the job, failing it with a clear message', async () => {
    const { runner, pending, logger } = hangingRunner(1);
    const a = rawJob('a');
    const result = track(runner.handle([a.raw], { sequential: true }));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(result.done).toBe(false); // no abort: a slow handler is waited for, however long

    a.expire.abort(new Error('handler execution exceeded 1s'));
    await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS - 1);
    expect(result.done).toBe(false);
    await jest.advanceTimersByTimeAsync(ABORT_SWEEP_MS + 1);
    expect(result.done).toBe(true);
    const [settled] = result.value as JobResult[];
    expect(settled).toMatchObject({ id: 'a', status: 'failed' });
    expect((settled!.output as { message: string }).message).toMatch(/^The handler of hangs a was still running 2000 ms after/);
    expect(logger.error).toHaveBeenCalledWith(expect.stringMatching(/^The handler of hangs a was still running/));

    pending.get('a')!();
    await jest.advanceTimersByTimeAsync(0);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^An abandoned handler of hangs a settled/));
  });

  it('does the same after JobsService.cancel aborted a running job, counting from the cancel itself', async () => {
    const { runner } = hangingRunner(1);
    const a = rawJob('a');
    const result = track(runner.handle([a.raw], { sequential: true }));
    await jest.advanceTimersByTimeAsync(ABORT_SWEEP_MS / 2); // between two sweeps
    expect(runner.abort('a', new Error('cancelled'))).toBe(true);
    await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS - 1);
    expect(result.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(result.done).toBe(true);
    expect((result.value as JobResult[])[0]).toMatchObject({ id: 'a', status: 'failed' });
  });

  it('abandons at most `concurrency` handlers at once; beyond that the slot waits as pg-boss would', async () => {
    const { runner, pending, logger } = hangingRunner(1);
    const a = rawJob('a');
    const first = track(runner.handle([a.raw], { sequential: true }));
    a.expire.abort(new Error('expired'));
    await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS + ABORT_SWEEP_MS);
    expect(first.done).toBe(true);

    const b = rawJob('b');
    const second = track(runner.handle([b.raw], { sequential: true }));
    b.expire.abort(new Error('expired'));
    await jest.advanceTimersByTimeAsync(10 * ABANDON_AFTER_ABORT_MS);
    expect(second.done).toBe(false);
    expect(logger.error).toHaveBeenCalledWith(expect.stringMatching(/^1 abandoned handler\(s\) of hangs are still running/));

    pending.get('b')!(); // the handler returns at last: its slot moves on with its result
    await jest.advanceTimersByTimeAsync(0);
    expect(second.done).toBe(true);
    expect((second.value as JobResult[])[0]).toMatchObject({ id: 'b', status: 'completed' });
    pending.get('a')!();
  });

  it('looks for aborts only while handler calls are in flight', async () => {
    const { runner, pending } = hangingRunner(1);
    const a = rawJob('a');
    const result = track(runner.handle([a.raw], { sequential: true }));
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(1); // the sweep
    pending.get('a')!();
    await jest.advanceTimersByTimeAsync(ABORT_SWEEP_MS);
    expect(result.done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});
