import { describe, expect, it } from '@jest/globals';
import type { JobWithMetadata, PgBoss, WipData } from 'pg-boss';
import { WorkerPool } from '../../lib/worker/worker.pool.js';
import type { JobRunner } from '../../lib/worker/job.runner.js';
import type { JobEvent } from '../../lib/interfaces/job-event.interface.js';

type Handler = (jobs: JobWithMetadata<object>[]) => Promise<unknown>;

/**
 * A pg-boss with one work() call of two loops ('w0', 'w1') whose bookkeeping the test sets by hand,
 * and a runner that records which loops each batch's outcome events were held for.
 */
function setup() {
  const wips = new Map<string, WipData>(
    ['w0', 'w1'].map((id) => [
      id,
      { id, workId: 'w0', count: 0, lastFetchedOn: null, lastJobEndedOn: null, lastErrorOn: null } as unknown as WipData,
    ]),
  );
  let handler!: Handler;
  const boss = {
    work: async (_queue: string, _options: unknown, callback: Handler) => {
      handler = callback;
      return 'w0';
    },
    getWipData: () => [...wips.values()],
    notifyWorker: () => undefined,
  } as unknown as PgBoss;
  const heldFor: string[][] = [];
  const runner = {
    observed: true,
    holdUntilRecorded: (loops: readonly string[]) => heldFor.push([...loops]),
    handle: async (_jobs: unknown, options: { hold?: (events: JobEvent[]) => void }) => {
      options.hold?.([]);
      return [];
    },
  } as unknown as JobRunner;
  const pool = new WorkerPool(boss, 'q', { loop: {}, slots: 2, batchSize: 1, adaptive: false, pooled: true }, runner);
  const job = (id: string) => ({ id, priority: 0, createdOn: new Date(0) }) as JobWithMetadata<object>;
  /** pg-boss's loop `id` fetched one job at `at` (it holds it until it has recorded its outcome). */
  const land = (id: string, at: number) => Object.assign(wips.get(id)!, { count: 1, lastFetchedOn: at });
  /** The loop hands its batch to the handler. */
  const call = (id: string, at: number) => handler([job(`${id}@${at}`)]);
  return { pool, land, call, heldFor };
}

describe('WorkerPool', () => {
  it('holds a batch’s events for its own loop only, even while another loop is still recording a batch whose call returned', async () => {
    const { pool, land, call, heldFor } = setup();
    await pool.start();
    // Loop w0 runs a batch; its handler call returns, and pg-boss has not recorded it yet (count 1).
    land('w0', 100);
    await call('w0', 100);
    expect(heldFor).toEqual([['w0']]);
    // Meanwhile loop w1 fetches: its batch is the only one not yet handed to a call.
    land('w1', 105);
    await call('w1', 105);
    expect(heldFor[1]).toEqual(['w1']);
  });

  it('waits for every loop that may hold the batch when two loops fetched before either call began', async () => {
    const { pool, land, call, heldFor } = setup();
    await pool.start();
    land('w0', 200);
    land('w1', 200);
    await call('w0', 200);
    expect([...heldFor[0]!].sort()).toEqual(['w0', 'w1']);
  });
});

describe('WorkerPool pause', () => {
  /** A pg-boss whose work() calls are numbered and whose offWork calls are recorded. */
  function fake() {
    let calls = 0;
    const offWork: Array<{ id: string; wait: boolean }> = [];
    const boss = {
      work: async () => `call-${++calls}`,
      offWork: async (_queue: string, options: { id: string; wait: boolean }) => void offWork.push(options),
      getWipData: () => [],
      notifyWorker: () => undefined,
    } as unknown as PgBoss;
    const pool = new WorkerPool(boss, 'q', { loop: {}, slots: 2, batchSize: 1, adaptive: false, pooled: true }, {} as JobRunner);
    return { pool, offWork, calls: () => calls };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('stops the loops of its work() call on pause (they finish what they hold) and makes a new call on resume', async () => {
    const { pool, offWork, calls } = fake();
    await pool.start();
    pool.pause();
    pool.pause();
    expect(offWork).toEqual([{ id: 'call-1', wait: true }]);
    pool.resume();
    await settle();
    expect(calls()).toBe(2);
    pool.pause();
    expect(offWork.map((o) => o.id)).toEqual(['call-1', 'call-2']);
  });

  it('makes no work() call while paused before it starts, nor after it stopped', async () => {
    const { pool, offWork, calls } = fake();
    pool.pause();
    await pool.start();
    expect(calls()).toBe(0);
    await pool.stop();
    pool.resume();
    await settle();
    expect([calls(), offWork.length]).toEqual([0, 0]);
  });

  it('stops a work() call that returned after a pause', async () => {
    const { pool, offWork } = fake();
    const starting = pool.start();
    pool.pause();
    await starting;
    expect(offWork).toEqual([{ id: 'call-1', wait: true }]);
  });
});
