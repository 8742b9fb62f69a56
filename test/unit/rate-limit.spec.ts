import { describe, expect, it, jest } from '@jest/globals';
import { defineJob, JobsConfigurationError } from '../../lib/index.js';
import { resolveHandlerOptions, workPlan } from '../../lib/declare/resolve-handler-options.util.js';
import { PERMIT_RETRY_MS, RateLimitGate, type RateLimitPermits } from '../../lib/worker/rate-limit.gate.js';
import type { DiscoveredHandler } from '../../lib/interfaces/registered-handler.interface.js';
import type { Job } from '../../lib/interfaces/job.interface.js';
import type { JobRateLimit } from '../../lib/interfaces/job-handler-options.interface.js';

const Crm = defineJob('crm-sync', { rateLimit: { max: 10, perSeconds: 60 } });
const Plain = defineJob('plain');
const discovered = (definition = Crm, over: Partial<DiscoveredHandler> = {}): DiscoveredHandler => ({
  kind: 'single',
  owner: 'CrmJobs.sync',
  definition,
  options: {},
  invoke: async () => undefined,
  ...over,
});

describe('rateLimit options', () => {
  it('takes the definition\'s rate limit, under the decorator\'s and the module\'s handlers[queue]', () => {
    expect(resolveHandlerOptions(discovered(), {}, {}).options.rateLimit).toEqual({ max: 10, perSeconds: 60 });
    expect(resolveHandlerOptions(discovered(), { rateLimit: { max: 5, perSeconds: 1 } }, {}).options.rateLimit).toEqual({
      max: 5,
      perSeconds: 1,
    });
    const overridden = resolveHandlerOptions(
      discovered(),
      { rateLimit: { max: 5, perSeconds: 1 } },
      { handlers: { 'crm-sync': { rateLimit: { max: 2, perSeconds: 1 } } } },
    );
    expect(overridden.options.rateLimit).toEqual({ max: 2, perSeconds: 1 });
    // Not a pg-boss queue option: the queue is created without it.
    expect(overridden.queueOptions).not.toHaveProperty('rateLimit');
  });

  it('plans a rate-limited handler as slots that fetch one job at a time, carrying the limit', () => {
    const plan = workPlan(resolveHandlerOptions(discovered(), { concurrency: 3 }, {}));
    expect(plan).toMatchObject({ slots: 3, batchSize: 1, adaptive: false, rateLimit: { max: 10, perSeconds: 60 } });
    expect(workPlan(resolveHandlerOptions(discovered(Plain), {}, {}))).not.toHaveProperty('rateLimit');
  });

  it.each([
    [{ max: 0, perSeconds: 1 }],
    [{ max: 1.5, perSeconds: 1 }],
    [{ max: 1, perSeconds: 0 }],
    [{ max: 1, perSeconds: 0.05 }],
    [{ max: 1, perSeconds: 86_401 }],
    [{ max: 1 }],
    [{ max: 1, perSeconds: 1, burst: 2 }],
    [5],
    [null],
  ])('refuses rateLimit %j with the shape it takes', (rateLimit) => {
    const refused = () => resolveHandlerOptions(discovered(Plain), { rateLimit } as never, {});
    expect(refused).toThrow(JobsConfigurationError);
    expect(refused).toThrow(/CrmJobs\.sync.*rateLimit must be \{ max: an integer >= 1, perSeconds: a number from 0\.1 to 86400 \}/);
  });

  it('refuses a bad rateLimit in defineJob, naming the definition', () => {
    expect(() => defineJob('x', { rateLimit: { max: -1, perSeconds: 1 } })).toThrow(/defineJob\('x'\).*rateLimit must be/);
    expect(() => defineJob('x', { ratelimit: { max: 1, perSeconds: 1 } } as never)).toThrow(/unknown option "ratelimit".*rateLimit/);
  });

  it('refuses a rate limit on a batch handler', () => {
    expect(() => resolveHandlerOptions(discovered(), { batchSize: 10 }, {})).toThrow(
      /rateLimit applies to single-job handlers .* Remove batchSize, or rateLimit/,
    );
  });

  it('refuses adaptiveBatching: true with a rate limit', () => {
    expect(() => resolveHandlerOptions(discovered(), { adaptiveBatching: true }, {})).toThrow(
      /adaptiveBatching: true cannot apply to a rate limit \(rateLimit\)/,
    );
  });

  it('refuses a limit under which this instance alone makes a job wait past its expireInSeconds', () => {
    // 20 slots, 2 permits a window: the last slot's job waits 10 windows of 60 s, 600 s >= 300.
    const TooSlow = defineJob('slow', { expireInSeconds: 300, rateLimit: { max: 2, perSeconds: 60 } });
    expect(() => resolveHandlerOptions(discovered(TooSlow), { concurrency: 20 }, {})).toThrow(
      /can make a job wait up to 600 s for its window in its slot, and expireInSeconds is 300: it would time out before it starts/,
    );
    expect(() => resolveHandlerOptions(discovered(TooSlow), { concurrency: 8 }, {})).not.toThrow();
    // pg-boss's default expiry, 900 s, when the queue sets none.
    expect(() => resolveHandlerOptions(discovered(Plain), { rateLimit: { max: 1, perSeconds: 900 } }, {})).toThrow(/expireInSeconds is 900/);
  });
});

/** A job as the gate sees it: an id and a signal the test aborts. */
function job(controller = new AbortController()): Job<unknown> {
  return { id: 'job-1', signal: controller.signal } as unknown as Job<unknown>;
}

const LIMIT: JobRateLimit = { max: 1, perSeconds: 1 };

describe('RateLimitGate', () => {
  it('lets a job start at once with a permit of the open window', async () => {
    const claim = jest.fn<RateLimitPermits['claim']>().mockResolvedValue(-250);
    await new RateLimitGate('q', LIMIT, { claim }).turn(job());
    expect(claim).toHaveBeenCalledWith('q', LIMIT);
    expect(claim).toHaveBeenCalledTimes(1);
  });

  it('holds a job until its permit\'s window opens, and never before by the clock', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const claim = jest.fn<RateLimitPermits['claim']>().mockResolvedValue(700);
      let started = false;
      const turn = new RateLimitGate('q', LIMIT, { claim }).turn(job()).then(() => (started = true));
      await jest.advanceTimersByTimeAsync(699);
      expect(started).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await turn;
      expect(Date.now()).toBeGreaterThanOrEqual(1_000_700);
      expect(claim).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops holding a job whose signal aborts (cancelled, timed out, shut down), and takes no other permit', async () => {
    const controller = new AbortController();
    const claim = jest.fn<RateLimitPermits['claim']>().mockResolvedValue(60_000);
    const turn = new RateLimitGate('q', LIMIT, { claim }).turn(job(controller));
    await Promise.resolve();
    controller.abort(new Error('cancelled'));
    await turn;
    expect(claim).toHaveBeenCalledTimes(1);
  });

  it('asks for a permit again when the database did not answer, logging why; no permit, no start', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const claim = jest
        .fn<RateLimitPermits['claim']>()
        .mockRejectedValueOnce(new Error('connection terminated'))
        .mockResolvedValueOnce(0);
      const warn = jest.fn();
      let started = false;
      const turn = new RateLimitGate('q', LIMIT, { claim }, { warn } as never).turn(job()).then(() => (started = true));
      await jest.advanceTimersByTimeAsync(PERMIT_RETRY_MS - 1);
      expect(started).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/rate-limited queue "q" for job job-1 \(connection terminated\)/));
      await jest.advanceTimersByTimeAsync(1);
      await turn;
      expect(claim).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('takes a new permit when it woke after its window closed (the process stalled)', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      // The first permit's window opens in 100 ms and closes 1 s later; the process wakes 2 s late.
      const claim = jest.fn<RateLimitPermits['claim']>().mockResolvedValueOnce(100).mockResolvedValueOnce(0);
      const turn = new RateLimitGate('q', LIMIT, { claim }).turn(job());
      await Promise.resolve();
      jest.setSystemTime(2_500);
      await jest.advanceTimersByTimeAsync(100);
      await turn;
      expect(claim).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
