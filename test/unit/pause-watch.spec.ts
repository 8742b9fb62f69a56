import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { PgBoss } from 'pg-boss';
import { PAUSE_POLL_INTERVAL_MS, PauseWatch } from '../../lib/backend/pg-boss/pause.watch.js';
import type { PausedQueuesStore } from '../../lib/backend/pg-boss/paused-queues.store.js';
import type { JobsLogger } from '../../lib/module/jobs.logger.js';

/** A store whose reads the test answers, a pg-boss whose `listen` the test drives, and what the watch applied. */
function setup({ listen = true, canListen = true } = {}) {
  let paused = new Set<string>();
  let failure: Error | undefined;
  const reads: string[][] = [];
  let inflight = 0;
  let overlapped = false;
  const store = {
    channel: 'nest_pg_jobs_pause_test',
    pausedAmong: async (queues: readonly string[]) => {
      reads.push([...queues]);
      inflight++;
      if (inflight > 1) overlapped = true;
      await Promise.resolve();
      inflight--;
      if (failure) throw failure;
      return new Set([...paused].filter((queue) => queues.includes(queue)));
    },
  } as unknown as PausedQueuesStore;
  const listener = { channel: '', notify: (_payload: string) => {}, reconnected: () => {}, closed: false };
  const db = canListen
    ? {
        listen: async (channel: string, notify: (payload: string) => void, reconnected: () => void) => {
          Object.assign(listener, { channel, notify, reconnected });
          return { close: async () => void (listener.closed = true) };
        },
      }
    : {};
  const boss = { getDb: () => db } as unknown as PgBoss;
  const applied: string[][] = [];
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), log() {}, error() {} } as unknown as JobsLogger;
  const watch = new PauseWatch(boss, store, ['mail', 'report'], (now) => applied.push([...now].sort()), { listen, logger });
  return {
    watch,
    reads,
    applied,
    warnings,
    listener,
    overlapped: () => overlapped,
    pause: (...queues: string[]) => (paused = new Set(queues)),
    fail: (error: Error | undefined) => (failure = error),
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('PauseWatch', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('reads the paused queues of this instance once a second, one read at a time', async () => {
    const { watch, reads, applied, pause } = setup({ listen: false });
    await watch.start();
    expect(reads).toHaveLength(0);
    pause('mail', 'elsewhere');
    for (let second = 1; second <= 3; second++) {
      jest.advanceTimersByTime(PAUSE_POLL_INTERVAL_MS);
      await settle();
      expect(reads).toHaveLength(second);
    }
    expect(reads[0]).toEqual(['mail', 'report']);
    expect(applied).toEqual([['mail'], ['mail'], ['mail']]);
    await watch.stop();
  });

  it('reads at once on a notification for one of its queues, and on a (re)connect of the listener', async () => {
    const { watch, reads, applied, listener, pause } = setup();
    await watch.start();
    expect(listener.channel).toBe('nest_pg_jobs_pause_test');
    pause('report');
    listener.notify('report');
    await settle();
    expect(applied).toEqual([['report']]);
    listener.notify('not-mine');
    await settle();
    expect(reads).toHaveLength(1);
    listener.reconnected();
    await settle();
    expect(reads).toHaveLength(2);
    await watch.stop();
    expect(listener.closed).toBe(true);
  });

  it('coalesces refreshes: a refresh during a read gets one more read after it, never two at once', async () => {
    const { watch, reads, overlapped } = setup({ listen: false });
    await watch.start();
    await Promise.all([watch.refresh(), watch.refresh(), watch.refresh()]);
    expect(reads).toHaveLength(2);
    expect(overlapped()).toBe(false);
    await watch.stop();
  });

  it('does not listen with listenNotify off, or on a database that cannot', async () => {
    for (const options of [{ listen: false }, { canListen: false }]) {
      const { watch, listener } = setup(options);
      await watch.start();
      expect(listener.channel).toBe('');
      await watch.stop();
    }
  });

  it('keeps the current state when a read fails, warns once, and goes on polling', async () => {
    const { watch, applied, warnings, fail, pause } = setup({ listen: false });
    await watch.start();
    fail(new Error('connection terminated'));
    jest.advanceTimersByTime(PAUSE_POLL_INTERVAL_MS);
    await settle();
    jest.advanceTimersByTime(PAUSE_POLL_INTERVAL_MS);
    await settle();
    expect(applied).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Could not read which queues are paused \(connection terminated\)/);
    fail(undefined);
    pause('mail');
    jest.advanceTimersByTime(PAUSE_POLL_INTERVAL_MS);
    await settle();
    expect(applied).toEqual([['mail']]);
    await watch.stop();
  });

  it('reads nothing once stopped', async () => {
    const { watch, reads } = setup({ listen: false });
    await watch.start();
    await watch.stop();
    jest.advanceTimersByTime(10 * PAUSE_POLL_INTERVAL_MS);
    await settle();
    await watch.refresh();
    expect(reads).toHaveLength(0);
  });
});
