// The pure parts of the soak scenario (scenarios.ts runs it): what one bucket of the run counts,
// how a bucket's row is computed from counters read at its edges, and the success checks of the
// issue. Nothing here reads a clock or a database, so test/unit/bench-soak.spec.ts covers it.
import { percentile, round } from './stats.js';

/**
 * The store's size and maintenance counters at one moment, as read by a system's `storeStats()`.
 * PostgreSQL systems: their job table(s) (every leaf of the partition tree) and its indexes, from
 * pg_table_size / pg_indexes_size and pg_stat_user_tables. The counters are cumulative; a bucket
 * reports their difference across it. BullMQ on Redis: `used_memory` of INFO memory instead.
 */
export interface StoreStats {
  /** PostgreSQL: heap + TOAST of the job table(s); Redis: used_memory. */
  tableBytes: number;
  /** PostgreSQL: every index of the job table(s); Redis: 0. */
  indexBytes: number;
  deadTuples?: number;
  liveTuples?: number;
  autovacuumCount?: number;
  autoanalyzeCount?: number;
  /** PostgreSQL 18's total_autovacuum_time / total_autoanalyze_time (ms); absent before 18. */
  autovacuumMs?: number | null;
  autoanalyzeMs?: number | null;
  /** VACUUM / ANALYZE run by a client (the system itself: nest-pg-jobs' analyzeAfterInserts). */
  vacuumCount?: number;
  analyzeCount?: number;
  vacuumMs?: number | null;
  analyzeMs?: number | null;
  /** 'redis' when the figures are Redis's used_memory. */
  kind: 'postgres' | 'redis';
}

/** Time the system's own periodic maintenance ran (pg-boss: supervise passes), cumulative. */
export interface MaintenanceTotals {
  passes: number;
  ms: number;
}

/** What happened within one bucket, counted in the child process as it happens. */
export interface BucketCounts {
  sent: number;
  started: number;
  completed: number;
  /** Enqueue-to-start of each job that started in the bucket (ms). */
  latencies: number[];
}

/** One row of the per-minute (per-bucket) series. */
export interface SoakBucket {
  /** 1-based. */
  index: number;
  /** End of the bucket, seconds from the start of the offered load. */
  endSeconds: number;
  seconds: number;
  /** Jobs the producer sent per second in the bucket (the offered load actually achieved). */
  offeredPerSecond: number;
  /** Handlers that finished per second. */
  completedPerSecond: number;
  started: number;
  completed: number;
  /** Sent but not started, at the end of the bucket (counted in this process). */
  backlog: number;
  /** Enqueue-to-start percentiles of the jobs that started in the bucket (ms); null when none. */
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Store at the end of the bucket; null when the system has no reader. */
  store: {
    kind: 'postgres' | 'redis';
    tableBytes: number;
    indexBytes: number;
    totalBytes: number;
    deadTuples: number | null;
    liveTuples: number | null;
  } | null;
  /** Maintenance within the bucket: differences of the cumulative counters. */
  maintenance: {
    /** pg-boss supervise passes and the time they were in flight (ms); null: not a pg-boss system. */
    supervisePasses: number | null;
    superviseMs: number | null;
    autovacuums: number | null;
    autovacuumMs: number | null;
    autoanalyzes: number | null;
    autoanalyzeMs: number | null;
    /** ANALYZE / VACUUM sent by a client (the system itself; the harness never runs one). */
    analyzes: number | null;
    analyzeMs: number | null;
    vacuums: number | null;
    vacuumMs: number | null;
  };
}

/** Counts the jobs of the current bucket; `take()` hands them over and starts the next bucket. */
export class SoakRecorder {
  private current: BucketCounts = SoakRecorder.empty();
  readonly totals = { sent: 0, started: 0, completed: 0 };

  private static empty(): BucketCounts {
    return { sent: 0, started: 0, completed: 0, latencies: [] };
  }

  sent(count: number): void {
    this.current.sent += count;
    this.totals.sent += count;
  }

  /** A handler started; `latencyMs` is null for a job sent before the soak (none are). */
  started(latencyMs: number | null): void {
    this.current.started++;
    this.totals.started++;
    if (latencyMs !== null) this.current.latencies.push(latencyMs);
  }

  completed(): void {
    this.current.completed++;
    this.totals.completed++;
  }

  take(): BucketCounts {
    const counts = this.current;
    this.current = SoakRecorder.empty();
    return counts;
  }
}

const diff = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === undefined || a === null || b === undefined || b === null ? null : round(b - a, 6);

/** The row of one bucket from its counts and the cumulative counters read at its two edges. */
export function bucketRow(args: {
  index: number;
  endSeconds: number;
  seconds: number;
  counts: BucketCounts;
  backlog: number;
  storeBefore: StoreStats | null;
  storeAfter: StoreStats | null;
  maintenanceBefore: MaintenanceTotals | null;
  maintenanceAfter: MaintenanceTotals | null;
}): SoakBucket {
  const { counts, storeBefore: a, storeAfter: b, maintenanceBefore: ma, maintenanceAfter: mb } = args;
  const lat = counts.latencies;
  const pg = b?.kind === 'postgres';
  return {
    index: args.index,
    endSeconds: round(args.endSeconds, 4),
    seconds: round(args.seconds, 4),
    offeredPerSecond: round(counts.sent / args.seconds, 4),
    completedPerSecond: round(counts.completed / args.seconds, 4),
    started: counts.started,
    completed: counts.completed,
    backlog: args.backlog,
    p50: lat.length ? round(percentile(lat, 50), 4) : null,
    p99: lat.length ? round(percentile(lat, 99), 4) : null,
    max: lat.length ? round(Math.max(...lat), 4) : null,
    store: b
      ? {
          kind: b.kind,
          tableBytes: b.tableBytes,
          indexBytes: b.indexBytes,
          totalBytes: b.tableBytes + b.indexBytes,
          deadTuples: b.deadTuples ?? null,
          liveTuples: b.liveTuples ?? null,
        }
      : null,
    maintenance: {
      supervisePasses: diff(ma?.passes, mb?.passes),
      superviseMs: diff(ma?.ms, mb?.ms),
      autovacuums: pg ? diff(a?.autovacuumCount, b?.autovacuumCount) : null,
      autovacuumMs: pg ? diff(a?.autovacuumMs, b?.autovacuumMs) : null,
      autoanalyzes: pg ? diff(a?.autoanalyzeCount, b?.autoanalyzeCount) : null,
      autoanalyzeMs: pg ? diff(a?.autoanalyzeMs, b?.autoanalyzeMs) : null,
      analyzes: pg ? diff(a?.analyzeCount, b?.analyzeCount) : null,
      analyzeMs: pg ? diff(a?.analyzeMs, b?.analyzeMs) : null,
      vacuums: pg ? diff(a?.vacuumCount, b?.vacuumCount) : null,
      vacuumMs: pg ? diff(a?.vacuumMs, b?.vacuumMs) : null,
    },
  };
}

/**
 * Bucket length for a soak of `durationMs`: a minute, as the issue asks, once the run has at least
 * 5 of them; a shorter run (quick mode: 1 minute) gets 6 buckets so it still draws a series, but
 * never shorter than 5 s.
 */
export function bucketMsFor(durationMs: number): number {
  if (durationMs >= 5 * 60_000) return 60_000;
  return Math.max(5_000, Math.floor(durationMs / 6));
}

/** A p99 in the last bucket within this factor of the second bucket's passes. */
export const P99_RATIO_LIMIT = 1.5;
/** Bounded: the store at the end of the run at most this factor of its size half-way through. */
export const SIZE_GROWTH_LIMIT = 1.2;

/** The success checks over one run's buckets. */
export interface SoakVerdict {
  /** p99 of the second bucket (the first includes the workers' start) and of the last one (ms). */
  p99Second: number | null;
  p99Last: number | null;
  /** p99Last ÷ p99Second; passes at ≤ {@link P99_RATIO_LIMIT}. */
  p99Ratio: number | null;
  p99Pass: boolean | null;
  /** Store size (table + indexes, or Redis used_memory) after the first bucket, half-way, at the end. */
  sizeFirst: number | null;
  sizeMid: number | null;
  sizeLast: number | null;
  /** sizeLast ÷ sizeMid: growth over the second half of the run. */
  sizeGrowth: number | null;
  /** Growth over the second half of the run in bytes per minute. */
  bytesPerMinute: number | null;
  /** sizeGrowth ≤ {@link SIZE_GROWTH_LIMIT}: the store stopped growing (a plateau), not "grew slowly". */
  bounded: boolean | null;
  /** Mean completed jobs/s over every bucket, and the least of any bucket but the first. */
  completedPerSecond: number;
  minCompletedPerSecond: number | null;
  /** The backlog (sent, not started) at the end of the last bucket. */
  backlogEnd: number;
}

/**
 * Computes the verdict. "Half-way" is the bucket whose end is nearest to half the run's length:
 * the store must reach its working size during the first half (the rows a system keeps for its
 * retention window, the dead tuples autovacuum has not yet reclaimed) and stop growing in the
 * second. A table that keeps every completed job grows linearly under a constant load, ending at
 * about 2× its half-way size, and fails; one whose deletion and vacuum keep up stays near 1×.
 */
export function soakVerdict(buckets: readonly SoakBucket[]): SoakVerdict {
  const second = buckets[1];
  const last = buckets.at(-1);
  const p99Second = second?.p99 ?? null;
  const p99Last = buckets.length >= 3 ? (last?.p99 ?? null) : null;
  const p99Ratio = p99Second && p99Last !== null ? round(p99Last / p99Second, 4) : null;
  const size = (b: SoakBucket | undefined) => b?.store?.totalBytes ?? null;
  const totalSeconds = last?.endSeconds ?? 0;
  let mid: SoakBucket | undefined;
  for (const b of buckets) {
    if (!mid || Math.abs(b.endSeconds - totalSeconds / 2) < Math.abs(mid.endSeconds - totalSeconds / 2)) mid = b;
  }
  const sizeFirst = size(buckets[0]);
  const sizeMid = buckets.length >= 3 ? size(mid) : null;
  const sizeLast = size(last);
  const sizeGrowth = sizeMid && sizeLast !== null ? round(sizeLast / sizeMid, 4) : null;
  const bytesPerMinute =
    sizeMid !== null && sizeLast !== null && last && mid && last.endSeconds > mid.endSeconds
      ? Math.round(((sizeLast - sizeMid) / (last.endSeconds - mid.endSeconds)) * 60)
      : null;
  const seconds = buckets.reduce((s, b) => s + b.seconds, 0);
  const completed = buckets.reduce((s, b) => s + b.completed, 0);
  const later = buckets.slice(1).map((b) => b.completedPerSecond);
  return {
    p99Second,
    p99Last,
    p99Ratio,
    p99Pass: p99Ratio === null ? null : p99Ratio <= P99_RATIO_LIMIT,
    sizeFirst,
    sizeMid,
    sizeLast,
    sizeGrowth,
    bytesPerMinute,
    bounded: sizeGrowth === null ? null : sizeGrowth <= SIZE_GROWTH_LIMIT,
    completedPerSecond: seconds ? round(completed / seconds, 4) : 0,
    minCompletedPerSecond: later.length ? Math.min(...later) : null,
    backlogEnd: last?.backlog ?? 0,
  };
}
