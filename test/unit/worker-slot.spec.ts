import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss';
import { defineJob } from '../../lib/declare/define-job.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { JobRunner } from '../../lib/worker/job.runner.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';
import { ADAPTIVE_BATCH_MAX, nextBatchSize, WorkerSlot } from '../../lib/worker/worker.slot.js';

describe('nextBatchSize', () => {
  it('grows after a full fetch of quick jobs, up to the cap', () => {
    expect(nextBatchSize(1, 1, 0.05)).toBe(ADAPTIVE_BATCH_MAX);
    expect(nextBatchSize(1, 1, 2)).toBe(10); // 2 ms a job: 10 fit in 20 ms
  });

  it('does not grow when the fetch came back short (no backlog to take)', () => {
    expect(nextBatchSize(10, 3, 0.1)).toBe(10);
    expect(nextBatchSize(1, 0, 0)).toBe(1);
  });

  it('falls back to one job at a time after a slow batch', () => {
    expect(nextBatchSize(ADAPTIVE_BATCH_MAX, ADAPTIVE_BATCH_MAX, 3_000)).toBe(1);
    expect(nextBatchSize(1, 1, 3_000)).toBe(1);
  });

  it('keeps its size while the estimate stays within a factor of two', () => {
    expect(nextBatchSize(10, 10, 25)).toBe(10); // target 8
    expect(nextBatchSize(10, 10, 12)).toBe(10); // target 16
    expect(nextBatchSize(10, 10, 45)).toBe(4); // target 4: halved
  });
});

/** pg-boss's side of a slot: `work()` loops the test feeds by hand, as fetches landing. */
class FakeBoss {
  readonly loops = new Map<
    string,
    {
      batchSize: number;
      callback: (jobs: JobWithMetadata<object>[]) => Promise<unknown>;
      stopped: boolean;
      inflight?: Promise<unknown>;
      lastFetchedOn: number | null;
      /** Ends a stopped loop that was out: its fetch landed (and was handled) or came back empty. */
      end?: () => void;
    }
  >();
  private seq = 0;

  async work(_queue: string, options: WorkOptions, callback: (jobs: JobWithMetadata<object>[]) => Promise<unknown>) {
    const id = `loop-${++this.seq}`;
    this.loops.set(id, { batchSize: options.batchSize ?? 1, callback, stopped: false, lastFetchedOn: null });
    return id;
  }

  // As pg-boss: the loop fetches nothing more; this waits for the batch it holds, or for the fetch
  // it has under way to land (and be handled) or come back empty.
  async offWork(_queue: string, { id }: { id: string }) {
    const loop = this.loops.get(id)!;
    loop.stopped = true;
    if (loop.inflight) await loop.inflight;
    else await new Promise<void>((resolve) => (loop.end = resolve));
  }

  notifyWorker() {}

  getWipData() {
    return [...this.loops].filter(([, l]) => !l.stopped).map(([id, l]) => ({ id, lastFetchedOn: l.lastFetchedOn, lastErrorOn: null }));
  }

  /** The running loops, oldest first. */
  running(): string[] {
    return [...this.loops].filter(([, l]) => !l.stopped).map(([id]) => id);
  }

  /** A fetch of `loop` lands with `jobs`; resolves when the slot hands the batch back. */
  async land(id: string, jobs: JobWithMetadata<object>[]): Promise<unknown> {
    const loop = this.loops.get(id)!;
    loop.lastFetchedOn = Date.now();
    loop.inflight = loop.callback(jobs);
    const result = await loop.inflight;
    loop.inflight = undefined;
    loop.end?.();
    return result;
  }

  /** A fetch of `loop` came back empty: pg-boss's loop sleeps until its next poll, or ends if stopped. */
  emptyFetch(id: string) {
    const loop = this.loops.get(id)!;
    loop.lastFetchedOn = Date.now();
    loop.end?.();
  }
}

const Ordered = defineJob<{ rank: number }>('ordered');
const base = Date.now() - 60_000;

/** Jobs of equal priority whose age follows their rank: rank 1 is the oldest. */
const ranked = (ranks: number[]) =>
  ranks.map(
    (rank) =>
      ({ id: `job-${rank}`, name: 'ordered', data: { rank }, retryCount: 0, retryLimit: 0, priority: 0, createdOn: new Date(base + rank), expireInSeconds: 60, signal: new AbortController().signal }) as unknown as JobWithMetadata<object>,
  );

/** Lets the slot's promises (and pg-boss's, faked) settle: fake timers leave setImmediate alone. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** `count` jobs of equal priority, ranks `from`, `from + 1`, … (rank 1 is the oldest). */
const run = (from: number, count: number) => ranked(Array.from({ length: count }, (_, i) => from + i));

/**
 * An adapting slot over a fake pg-boss, grown to batches of ADAPTIVE_BATCH_MAX, its one lane out.
 * The clock is fake, so every batch looks instant and the slot's batch size never shrinks.
 */
async function grownSlot() {
  const boss = new FakeBoss();
  const ran: number[] = [];
  const holds = new Map<number, Promise<void>>();
  /** Holds the job of this rank, once started, until the test opens the gate. */
  const holdAt = (rank: number) => {
    let open!: () => void;
    holds.set(rank, new Promise<void>((resolve) => (open = resolve)));
    return { open };
  };
  const handler = {
    kind: 'single',
    owner: 'Ordered.handle',
    definition: Ordered,
    queue: 'ordered',
    options: {},
    queueOptions: {},
    invoke: async (job: unknown) => {
      const rank = (job as { data: { rank: number } }).data.rank;
      ran.push(rank);
      await holds.get(rank);
    },
  } as unknown as RegisteredHandler;
  const runner = new JobRunner(handler, new JobEventsBus(), undefined);
  const slot = new WorkerSlot(boss as unknown as PgBoss, 'ordered', { loop: {}, slots: 1, batchSize: 1, adaptive: true, pooled: false }, runner);
  await slot.start();
  // One quick job at batch size 1: the slot grows to the cap (a new loop replaces the first).
  await boss.land(boss.running()[0]!, ranked([-1]));
  await settle();
  expect(boss.running().map((id) => boss.loops.get(id)!.batchSize)).toEqual([ADAPTIVE_BATCH_MAX]);
  ran.length = 0;
  return { boss, slot, ran, holdAt };
}

describe('WorkerSlot', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('never has two lanes out: after a full batch the next fetch goes out while it runs, and no third while two are held', async () => {
    const { boss, ran, holdAt } = await grownSlot();
    const gate = holdAt(1);
    const [first] = boss.running() as [string];
    const a = boss.land(first, run(1, ADAPTIVE_BATCH_MAX));
    await settle();
    // The lane that landed a full batch fetches nothing more; one new lane fetches the next batch.
    expect(boss.loops.get(first)!.stopped).toBe(true);
    const [second, ...others] = boss.running();
    expect(others).toEqual([]);
    const b = boss.land(second!, run(ADAPTIVE_BATCH_MAX + 1, ADAPTIVE_BATCH_MAX));
    await settle();
    // Two batches held: no lane goes out until one of them is done.
    expect(boss.running()).toEqual([]);
    gate.open();
    await a;
    await settle();
    expect(boss.running()).toHaveLength(1);
    await b;
    expect(ran).toEqual(Array.from({ length: 2 * ADAPTIVE_BATCH_MAX }, (_, i) => i + 1));
  });

  it('runs the batches it holds merged in priority, then age order', async () => {
    const { boss, ran, holdAt } = await grownSlot();
    const gate = holdAt(1);
    const a = boss.land(boss.running()[0]!, run(1, ADAPTIVE_BATCH_MAX));
    await settle();
    // Sent after the first batch was claimed: a job of higher priority, and older jobs of its own.
    const urgent = ranked([10_000]).map((job) => ({ ...job, priority: 10 }));
    const b = boss.land(boss.running()[0]!, [...run(ADAPTIVE_BATCH_MAX + 1, ADAPTIVE_BATCH_MAX - 1), ...urgent]);
    await settle();
    gate.open();
    await Promise.all([a, b]);
    expect(ran).toEqual([1, 10_000, ...Array.from({ length: 2 * ADAPTIVE_BATCH_MAX - 2 }, (_, i) => i + 2)]);
  });

  it('keeps the lane of a short batch running, to poll', async () => {
    const { boss, ran } = await grownSlot();
    const [lane] = boss.running() as [string];
    await boss.land(lane, run(1, 3));
    await settle();
    expect(boss.running()).toEqual([lane]);
    expect(ran).toEqual([1, 2, 3]);
  });

  it('goes back to one job at a time after a slow batch, with one new lane', async () => {
    const { boss, ran, holdAt } = await grownSlot();
    const gate = holdAt(1);
    const [lane] = boss.running() as [string];
    const a = boss.land(lane, run(1, 3));
    await settle();
    jest.advanceTimersByTime(3_000);
    gate.open();
    await a;
    await settle();
    expect(boss.loops.get(lane)!.stopped).toBe(true);
    expect(boss.running().map((id) => boss.loops.get(id)!.batchSize)).toEqual([1]);
    expect(ran).toEqual([1, 2, 3]);
  });

  it('keeps a lane running when the lane it retired to resize lands a short batch', async () => {
    const { boss, ran, holdAt } = await grownSlot();
    const gate = holdAt(1);
    const [first] = boss.running() as [string];
    const a = boss.land(first, run(1, ADAPTIVE_BATCH_MAX));
    await settle();
    const [second] = boss.running() as [string];
    // The batch runs long: the slot goes back to batch size 1 and retires the lane that is out.
    jest.advanceTimersByTime(3_000);
    gate.open();
    await a;
    await settle();
    expect(boss.running()).toEqual([]);
    // That lane's fetch was under way: it lands a short batch, then ends. A new lane goes out.
    await boss.land(second!, run(ADAPTIVE_BATCH_MAX + 1, 3));
    await settle();
    expect(boss.running()).toHaveLength(1);
    expect(ran).toHaveLength(ADAPTIVE_BATCH_MAX + 3);
  });

  it('stops fetching when paused: its lane is retired, the batch it holds runs and settles, and none goes out until resumed', async () => {
    const { boss, slot, ran, holdAt } = await grownSlot();
    const gate = holdAt(1);
    const [lane] = boss.running() as [string];
    const a = boss.land(lane, run(1, 3));
    await settle();
    slot.pause();
    expect(boss.loops.get(lane)!.stopped).toBe(true);
    gate.open();
    await a;
    await settle();
    expect(ran).toEqual([1, 2, 3]);
    expect(boss.running()).toEqual([]);
    slot.resume();
    await settle();
    expect(boss.running().map((id) => boss.loops.get(id)!.batchSize)).toEqual([ADAPTIVE_BATCH_MAX]);
  });

  it('runs the batch a fetch under way lands after the pause, then sends no lane out', async () => {
    const { boss, slot, ran } = await grownSlot();
    const [lane] = boss.running() as [string];
    slot.pause();
    await settle();
    // pg-boss's loop was fetching: the batch lands and runs, and the loop ends.
    await boss.land(lane, run(1, 2));
    await settle();
    expect(ran).toEqual([1, 2]);
    expect(boss.running()).toEqual([]);
    slot.resume();
    await settle();
    expect(boss.running()).toHaveLength(1);
  });

  it('fetches nothing when paused before it starts, until resumed', async () => {
    const boss = new FakeBoss();
    const runner = new JobRunner({ kind: 'single', owner: 'O.h', definition: Ordered, queue: 'ordered', options: {}, queueOptions: {}, invoke: async () => undefined } as unknown as RegisteredHandler, new JobEventsBus(), undefined);
    const slot = new WorkerSlot(boss as unknown as PgBoss, 'ordered', { loop: {}, slots: 1, batchSize: 1, adaptive: false, pooled: false }, runner);
    slot.pause();
    await slot.start();
    expect(boss.loops.size).toBe(0);
    slot.resume();
    await settle();
    expect(boss.running().map((id) => boss.loops.get(id)!.batchSize)).toEqual([1]);
  });

  it('starts no lane on resume once stopped (shutdown while paused)', async () => {
    const { boss, slot } = await grownSlot();
    const [lane] = boss.running() as [string];
    slot.pause();
    boss.emptyFetch(lane);
    await settle();
    await slot.stop();
    slot.resume();
    await settle();
    expect(boss.running()).toEqual([]);
  });
});
