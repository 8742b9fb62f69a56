import { performance } from 'node:perf_hooks';
import { SoakRecorder, bucketMsFor, bucketRow, soakVerdict, type MaintenanceTotals, type SoakBucket, type StoreStats } from './support/soak.js';
import { percentile } from './support/stats.js';
import type { WorkerPool } from './support/worker-pool.js';
import type { BenchSystem, Payload } from './systems/system.interface.js';

/** One measured figure of one run. */
export interface Figure {
  value: number;
  unit: string;
  /** Jobs (or samples) the figure is computed from. */
  n: number;
}

/** What one run of one scenario reports: figures by metric name, and anything worth keeping. */
export interface RunResult {
  figures: Record<string, Figure>;
  detail?: Record<string, unknown>;
}

export interface ScenarioParams {
  /** burn-down: jobs pre-inserted; latency: samples; memory: jobs flowed through. */
  n: number;
  /** enqueue: sequential sends, concurrent sends, bulk-inserted jobs. */
  single?: number;
  concurrent?: number;
  bulk?: number;
  /** scaling: worker processes of this run (run.ts makes one run per count, each on a fresh database). */
  processes?: number;
  /** soak: offered load (jobs/s), its length, the bucket length (ms) and each handler's work (ms). */
  rate?: number;
  durationMs?: number;
  bucketMs?: number;
  handlerMs?: number;
  /** Wall-clock cap: a slower system stops early and reports the jobs it did. */
  budgetMs: number;
}

/** What the child process offers a scenario beyond the system: worker processes of its own. */
export interface ScenarioContext {
  /** Forks `count` processes that each create the system and wait for the start signal. */
  forkWorkers(count: number): Promise<WorkerPool>;
  /** Runs `ANALYZE` on the system's database (PostgreSQL's planner statistics of every table). */
  analyze(): Promise<void>;
  /**
   * Starts metering pg-boss's supervise passes in this process (support/pg-boss-maintenance.ts);
   * absent for systems not built on pg-boss.
   */
  maintenance?(): { totals(): MaintenanceTotals; stop(): void };
}

/**
 * Counts handler starts and lets a scenario wait for a count or for one job. With `handlerMs` (the
 * soak's 5 ms variant) every job's work is a timer of that length, which the handler awaits; the
 * soak scenario also sets `soak` to count starts, enqueue-to-start and completions per bucket.
 */
export class Tracker {
  started = 0;
  soak: SoakRecorder | undefined;
  private waiters = new Map<number, (at: number) => void>();
  private countWaiter: { target: number; resolve: () => void } | undefined;

  constructor(private readonly handlerMs = 0) {}

  onJob = (data: Payload): void | Promise<void> => {
    const at = performance.now();
    this.started++;
    this.waiters.get(data.i)?.(at);
    if (this.countWaiter && this.started >= this.countWaiter.target) this.countWaiter.resolve();
    const soak = this.soak;
    soak?.started(typeof data.t === 'number' ? at - data.t : null);
    if (this.handlerMs > 0) return sleep(this.handlerMs).then(() => soak?.completed());
    soak?.completed();
  };

  nextStart(i: number, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(i);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(i, (at) => {
        clearTimeout(timer);
        this.waiters.delete(i);
        resolve(at);
      });
    });
  }

  reach(target: number, timeoutMs: number): Promise<boolean> {
    if (this.started >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.countWaiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          this.countWaiter = undefined;
          resolve(true);
        },
      };
    });
  }
}

const CHUNK = 1_000;
const WARM_UP = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function insert(system: BenchSystem, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += CHUNK) {
    const size = Math.min(CHUNK, from + count - i);
    await system.sendMany(Array.from({ length: size }, (_, k) => ({ i: i + k })));
  }
}

/** Waits until the store reports no job left, or the deadline passes. */
async function drained(system: BenchSystem, deadline: number): Promise<boolean> {
  while (performance.now() < deadline) {
    if ((await system.remaining()) === 0) return true;
    await sleep(10);
  }
  return false;
}

/**
 * 1. Burn-down: `n` jobs inserted in bulk before any worker runs; the clock starts when the workers
 * are asked to start and stops when the store reports the queue empty (completions included).
 * The planner statistics are as the burst left them: whatever autovacuum, or the system itself,
 * refreshed meanwhile.
 */
export function burnDown(system: BenchSystem, tracker: Tracker, p: ScenarioParams): Promise<RunResult> {
  return burn(system, tracker, p, 'burn-down');
}

/**
 * 1b. The same burn-down with the planner statistics current: `ANALYZE` on the system's database
 * after the insert, before the workers start (what autovacuum does within about a minute, so what
 * a backlog older than that sees).
 */
export function burnDownAnalyzed(
  system: BenchSystem,
  tracker: Tracker,
  p: ScenarioParams,
  ctx: ScenarioContext,
): Promise<RunResult> {
  return burn(system, tracker, p, 'burn-down-analyzed', () => ctx.analyze());
}

async function burn(
  system: BenchSystem,
  tracker: Tracker,
  p: ScenarioParams,
  metric: string,
  beforeWorkers?: () => Promise<void>,
): Promise<RunResult> {
  await system.prepare();
  await insert(system, 0, p.n);
  await beforeWorkers?.();
  const t0 = performance.now();
  const deadline = t0 + p.budgetMs;
  await system.startWorkers();
  const all = await tracker.reach(p.n, p.budgetMs);
  const empty = all && (await drained(system, deadline));
  const elapsed = performance.now() - t0;
  const done = empty ? p.n : tracker.started;
  return {
    figures: { [metric]: { value: (done / elapsed) * 1000, unit: 'jobs/s', n: done } },
    detail: { seconds: elapsed / 1000, completedToEmpty: empty },
  };
}

/**
 * 2. Latency: one job at a time, timed from just before `send` to the moment its handler starts,
 * sender and worker in the same process (one clock). The first 5 jobs warm up and are not counted.
 */
export async function latency(system: BenchSystem, tracker: Tracker, p: ScenarioParams): Promise<RunResult> {
  await system.prepare();
  await system.startWorkers();
  const samples: number[] = [];
  const deadline = performance.now() + p.budgetMs;
  const perJobTimeout = 30_000;
  for (let i = 0; i < p.n + WARM_UP && performance.now() < deadline; i++) {
    const started = tracker.nextStart(i, perJobTimeout);
    const t = performance.now();
    await system.send({ i });
    const at = await started;
    if (at === null) throw new Error(`latency: job ${i} did not start within ${perJobTimeout / 1000} s`);
    if (i >= WARM_UP) samples.push(at - t);
  }
  if (samples.length === 0) throw new Error(`latency: no sample within the ${p.budgetMs / 1000} s budget`);
  const n = samples.length;
  return {
    figures: {
      'latency-p50': { value: percentile(samples, 50), unit: 'ms', n },
      'latency-p95': { value: percentile(samples, 95), unit: 'ms', n },
      'latency-p99': { value: percentile(samples, 99), unit: 'ms', n },
    },
  };
}

/**
 * 3. Enqueue rate with no worker running: sequential single sends, 64 concurrent senders (each
 * send awaited, as request handlers of a busy app do), and bulk inserts of 1,000 jobs per call.
 */
export async function enqueue(system: BenchSystem, _tracker: Tracker, p: ScenarioParams): Promise<RunResult> {
  await system.prepare();
  const budget = p.budgetMs / 3;
  let i = 0;

  let t0 = performance.now();
  let sent = 0;
  while (sent < p.single! && performance.now() - t0 < budget) {
    await system.send({ i: i++ });
    sent++;
  }
  const single = { value: (sent / (performance.now() - t0)) * 1000, unit: 'jobs/s', n: sent };

  t0 = performance.now();
  let concurrentSent = 0;
  let next = 0;
  const sender = async () => {
    while (next < p.concurrent! && performance.now() - t0 < budget) {
      next++;
      await system.send({ i: i++ });
      concurrentSent++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, sender));
  const concurrent = { value: (concurrentSent / (performance.now() - t0)) * 1000, unit: 'jobs/s', n: concurrentSent };

  t0 = performance.now();
  let bulkSent = 0;
  while (bulkSent < p.bulk! && performance.now() - t0 < budget) {
    const size = Math.min(CHUNK, p.bulk! - bulkSent);
    await system.sendMany(Array.from({ length: size }, () => ({ i: i++ })));
    bulkSent += size;
  }
  const bulk = { value: (bulkSent / (performance.now() - t0)) * 1000, unit: 'jobs/s', n: bulkSent };

  return { figures: { 'enqueue-single': single, 'enqueue-concurrent-64': concurrent, 'enqueue-bulk': bulk } };
}

/**
 * 5. Memory: `n` jobs flow through one worker instance, fed in bulk so the backlog stays between
 * 5,000 and 20,000. RSS and heap (after a forced GC when --expose-gc is on) are sampled every 2 s;
 * the figure is RSS growth from the 10% mark of the jobs done to the end.
 */
export async function memory(system: BenchSystem, tracker: Tracker, p: ScenarioParams): Promise<RunResult> {
  await system.prepare();
  await insert(system, 0, Math.min(20_000, p.n));
  let inserted = Math.min(20_000, p.n);
  await system.startWorkers();
  const t0 = performance.now();
  const samples: Array<{ processed: number; rssMb: number; heapMb: number; seconds: number }> = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    const mem = process.memoryUsage();
    samples.push({
      processed: tracker.started,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      seconds: (performance.now() - t0) / 1000,
    });
  };
  // Sampled on a clock rather than at fixed counts, so a run cut short by its budget still has a
  // curve; growth is read from the first sample past 10% of the jobs done to the last one.
  let lastSample = t0;
  while (tracker.started < p.n && performance.now() - t0 < p.budgetMs) {
    if (inserted < p.n && inserted - tracker.started < 5_000) {
      const count = Math.min(15_000, p.n - inserted);
      await insert(system, inserted, count);
      inserted += count;
    } else {
      await sleep(20);
    }
    if (performance.now() - lastSample >= 2_000) {
      sample();
      lastSample = performance.now();
    }
  }
  sample();
  const first = samples.find((s) => s.processed >= tracker.started / 10);
  const last = samples[samples.length - 1];
  const growth = first && last ? ((last.rssMb - first.rssMb) / first.rssMb) * 100 : NaN;
  const heapGrowth = first && last ? ((last.heapMb - first.heapMb) / first.heapMb) * 100 : NaN;
  return {
    figures: {
      'memory-rss-growth': { value: growth, unit: '%', n: tracker.started },
      'memory-heap-growth': { value: heapGrowth, unit: '%', n: tracker.started },
      'memory-rss-end': { value: last?.rssMb ?? NaN, unit: 'MiB', n: tracker.started },
    },
    detail: { samples },
  };
}

/** Worker processes of the scaling scenario: run.ts makes one run (and one fresh database) per count. */
export const SCALING_PROCESSES = [1, 2, 4] as const;

/**
 * 6. Scaling: the burn-down of scenario 1 with the workers in `processes` processes of their own,
 * each its own app or worker instance with the system's normal settings, on one database. This
 * process only enqueues: it inserts `n` jobs, forks the worker processes and waits until each has
 * booted (imports, clients; no worker started), then the clock runs from the start signal, sent to
 * all at once, until the store reports the queue empty. Each process reports the jobs it handled.
 */
export async function scaling(
  system: BenchSystem,
  _tracker: Tracker,
  p: ScenarioParams,
  ctx: ScenarioContext,
): Promise<RunResult> {
  const processes = p.processes ?? 1;
  await system.prepare();
  const i0 = performance.now();
  await insert(system, 0, p.n);
  const insertSeconds = (performance.now() - i0) / 1000;
  const pool = await ctx.forkWorkers(processes);
  let perProcess: number[];
  let elapsed: number;
  let empty: boolean;
  try {
    const t0 = performance.now();
    const deadline = t0 + p.budgetMs;
    pool.start();
    const all = await pool.reach(p.n, p.budgetMs);
    empty = all && (await drained(system, deadline));
    elapsed = performance.now() - t0;
    perProcess = pool.perProcess();
  } catch (error) {
    pool.kill();
    throw error;
  }
  // Final counts (a job may have started between the last progress report and the stop).
  const final = await pool.stop();
  const handled = final.reduce((a, b) => a + b, 0);
  const done = empty ? p.n : perProcess.reduce((a, b) => a + b, 0);
  return {
    figures: { [`scaling-${processes}`]: { value: (done / elapsed) * 1000, unit: 'jobs/s', n: done } },
    detail: { processes, seconds: elapsed / 1000, completedToEmpty: empty, insertSeconds, perProcess: final, handled },
  };
}

/** Longest sendMany of the soak's producer (when it fell behind, it catches up in calls of this size). */
const SOAK_MAX_SEND = 1_000;
/** The soak producer's tick. */
const SOAK_TICK_MS = 10;
/** After the offered load stops, how long the soak waits for the backlog to finish (not measured). */
const SOAK_DRAIN_MS = 30_000;

/**
 * 7. Soak: a constant offered load of `rate` jobs/s for `durationMs`, sender and workers in this
 * process (one clock). A paced producer wakes every 10 ms and sends, in one `sendMany`, the jobs
 * due by then (elapsed × rate, less those sent), each carrying the time just before the call; a
 * producer that falls behind catches up in the next call, so the offered rate holds on average
 * whatever a call costs. Every `bucketMs` (a minute; quick mode: 10 s) the scenario closes a bucket:
 * jobs offered, started and completed (handler finished), enqueue-to-start p50/p99 of the jobs
 * that started in it, the backlog (sent, not started), and what the system's `storeStats()` and
 * the pg-boss maintenance meter read at its edge (support/soak.ts). After the last bucket the
 * producer stops and the backlog gets 30 s to finish, outside the figures. The handler is a no-op
 * (`soak`) or awaits a 5 ms timer (`soak-5ms`, `handlerMs` 5).
 */
async function soakRun(name: string, system: BenchSystem, tracker: Tracker, p: ScenarioParams, ctx: ScenarioContext): Promise<RunResult> {
  const rate = p.rate!;
  const durationMs = p.durationMs!;
  const bucketMs = p.bucketMs ?? bucketMsFor(durationMs);
  const bucketCount = Math.max(1, Math.floor(durationMs / bucketMs));
  await system.prepare();
  await system.startWorkers();
  const recorder = new SoakRecorder();
  tracker.soak = recorder;
  const meter = ctx.maintenance?.();
  // A store reader that fails once (a lock, a timeout) leaves a gap in the series, not a failed run.
  const readStore = async (): Promise<StoreStats | null> => (system.storeStats ? system.storeStats().catch(() => null) : null);
  let storeBefore = await readStore();
  let maintenanceBefore = meter?.totals() ?? null;
  const t0 = performance.now();
  const end = t0 + bucketCount * bucketMs;
  let producerError: unknown;
  const producer = (async () => {
    let sent = 0;
    for (let now = performance.now(); now < end; now = performance.now()) {
      const count = Math.min(Math.floor(((now - t0) / 1000) * rate) - sent, SOAK_MAX_SEND);
      if (count > 0) {
        const t = performance.now();
        const first = sent;
        sent += count;
        recorder.sent(count);
        await system.sendMany(Array.from({ length: count }, (_, k) => ({ i: first + k, t })));
      }
      await sleep(SOAK_TICK_MS);
    }
  })().catch((error: unknown) => {
    producerError = error;
  });
  const buckets: SoakBucket[] = [];
  let previousEdge = t0;
  for (let k = 1; k <= bucketCount && producerError === undefined; k++) {
    await sleep(Math.max(0, t0 + k * bucketMs - performance.now()));
    const counts = recorder.take();
    const edge = performance.now();
    const backlog = recorder.totals.sent - recorder.totals.started;
    const maintenanceAfter = meter?.totals() ?? null;
    const storeAfter = await readStore();
    const row = bucketRow({
      index: k,
      endSeconds: (edge - t0) / 1000,
      seconds: (edge - previousEdge) / 1000,
      counts,
      backlog,
      storeBefore,
      storeAfter,
      maintenanceBefore,
      maintenanceAfter,
    });
    buckets.push(row);
    const mib = row.store ? ` store ${(row.store.totalBytes / 2 ** 20).toFixed(1)} MiB dead ${row.store.deadTuples ?? '–'}` : '';
    console.log(
      `    ${name} ${k}/${bucketCount}: ${row.completedPerSecond} jobs/s, p50 ${row.p50 ?? '–'} ms, p99 ${row.p99 ?? '–'} ms, backlog ${backlog}${mib}`,
    );
    storeBefore = storeAfter ?? storeBefore;
    maintenanceBefore = maintenanceAfter;
    previousEdge = edge;
  }
  await producer;
  meter?.stop();
  if (producerError !== undefined) throw producerError;
  const drainStart = performance.now();
  while (recorder.totals.completed < recorder.totals.sent && performance.now() - drainStart < SOAK_DRAIN_MS) await sleep(20);
  const drained = recorder.totals.completed >= recorder.totals.sent;
  tracker.soak = undefined;
  const verdict = soakVerdict(buckets);
  const n = buckets.reduce((s, b) => s + b.completed, 0);
  const figures: Record<string, Figure> = {
    [`${name}-completed`]: { value: verdict.completedPerSecond, unit: 'jobs/s', n },
  };
  if (verdict.p99Second !== null) figures[`${name}-p99-second`] = { value: verdict.p99Second, unit: 'ms', n };
  if (verdict.p99Last !== null) figures[`${name}-p99-last`] = { value: verdict.p99Last, unit: 'ms', n };
  if (verdict.p99Ratio !== null) figures[`${name}-p99-ratio`] = { value: verdict.p99Ratio, unit: '×', n };
  if (verdict.sizeLast !== null) figures[`${name}-size-end`] = { value: verdict.sizeLast / 2 ** 20, unit: 'MiB', n };
  if (verdict.sizeGrowth !== null) figures[`${name}-size-growth`] = { value: verdict.sizeGrowth, unit: '×', n };
  return {
    figures,
    detail: {
      rate,
      handlerMs: p.handlerMs ?? 0,
      bucketSeconds: bucketMs / 1000,
      durationSeconds: (bucketCount * bucketMs) / 1000,
      sent: recorder.totals.sent,
      completed: recorder.totals.completed,
      drained,
      drainSeconds: (performance.now() - drainStart) / 1000,
      verdict,
      buckets,
    },
  };
}

export const soak = (system: BenchSystem, tracker: Tracker, p: ScenarioParams, ctx: ScenarioContext) =>
  soakRun('soak', system, tracker, p, ctx);
export const soak5ms = (system: BenchSystem, tracker: Tracker, p: ScenarioParams, ctx: ScenarioContext) =>
  soakRun('soak-5ms', system, tracker, p, ctx);

export const SCENARIOS = {
  'burn-down': burnDown,
  'burn-down-analyzed': burnDownAnalyzed,
  latency,
  enqueue,
  memory,
  scaling,
  soak,
  'soak-5ms': soak5ms,
} as const;
export type ScenarioName = keyof typeof SCENARIOS;
