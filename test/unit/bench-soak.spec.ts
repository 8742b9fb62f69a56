import { describe, expect, it } from '@jest/globals';
import { bucketTable, lineChart, niceCeil, soakRuns, soakSection, type SoakDetail } from '../../bench/soak-report.js';
import {
  SoakRecorder,
  bucketMsFor,
  bucketRow,
  soakVerdict,
  type SoakBucket,
  type StoreStats,
} from '../../bench/support/soak.js';
import { parseUsedMemory } from '../../bench/support/store-stats.js';

const pgStats = (over: Partial<StoreStats> = {}): StoreStats => ({
  kind: 'postgres',
  tableBytes: 0,
  indexBytes: 0,
  deadTuples: 0,
  liveTuples: 0,
  autovacuumCount: 0,
  autoanalyzeCount: 0,
  vacuumCount: 0,
  analyzeCount: 0,
  autovacuumMs: 0,
  autoanalyzeMs: 0,
  vacuumMs: 0,
  analyzeMs: 0,
  ...over,
});

/** A bucket with the figures the verdict reads; the rest neutral. */
function bucket(index: number, p99: number | null, totalBytes: number | null, seconds = 60, completed = 60_000): SoakBucket {
  return {
    index,
    endSeconds: index * seconds,
    seconds,
    offeredPerSecond: completed / seconds,
    completedPerSecond: completed / seconds,
    started: completed,
    completed,
    backlog: 0,
    p50: p99 === null ? null : p99 / 2,
    p99,
    max: p99,
    store: totalBytes === null ? null : { kind: 'postgres', tableBytes: totalBytes, indexBytes: 0, totalBytes, deadTuples: 0, liveTuples: 0 },
    maintenance: {
      supervisePasses: null,
      superviseMs: null,
      autovacuums: null,
      autovacuumMs: null,
      autoanalyzes: null,
      autoanalyzeMs: null,
      analyzes: null,
      analyzeMs: null,
      vacuums: null,
      vacuumMs: null,
    },
  };
}

describe('bench soak: buckets', () => {
  it('hands over the counts of a bucket and starts the next one empty, keeping the totals', () => {
    const r = new SoakRecorder();
    r.sent(10);
    r.started(3);
    r.started(null);
    r.completed();
    expect(r.take()).toEqual({ sent: 10, started: 2, completed: 1, latencies: [3] });
    r.sent(5);
    r.started(7);
    expect(r.take()).toEqual({ sent: 5, started: 1, completed: 0, latencies: [7] });
    expect(r.totals).toEqual({ sent: 15, started: 3, completed: 1 });
  });

  it('computes rates, nearest-rank percentiles and the differences of the cumulative counters', () => {
    const latencies = Array.from({ length: 100 }, (_, k) => k + 1); // 1..100 ms
    const row = bucketRow({
      index: 2,
      endSeconds: 20,
      seconds: 10,
      counts: { sent: 1_000, started: 100, completed: 990, latencies },
      backlog: 4,
      storeBefore: pgStats({ autovacuumCount: 1, autovacuumMs: 50, analyzeCount: 2, analyzeMs: 30 }),
      storeAfter: pgStats({ tableBytes: 2 ** 20, indexBytes: 2 ** 19, deadTuples: 7, liveTuples: 9, autovacuumCount: 3, autovacuumMs: 250, analyzeCount: 2, analyzeMs: 30 }),
      maintenanceBefore: { passes: 1, ms: 100 },
      maintenanceAfter: { passes: 2, ms: 180 },
    });
    expect(row.offeredPerSecond).toBe(100);
    expect(row.completedPerSecond).toBe(99);
    expect(row.p50).toBe(50);
    expect(row.p99).toBe(99);
    expect(row.max).toBe(100);
    expect(row.backlog).toBe(4);
    expect(row.store).toEqual({ kind: 'postgres', tableBytes: 2 ** 20, indexBytes: 2 ** 19, totalBytes: 1.5 * 2 ** 20, deadTuples: 7, liveTuples: 9 });
    expect(row.maintenance).toMatchObject({ supervisePasses: 1, superviseMs: 80, autovacuums: 2, autovacuumMs: 200, analyzes: 0, analyzeMs: 0 });
  });

  it('leaves percentiles null in a bucket where no job started, and maintenance null where nothing measured it', () => {
    const row = bucketRow({
      index: 1,
      endSeconds: 10,
      seconds: 10,
      counts: { sent: 0, started: 0, completed: 0, latencies: [] },
      backlog: 0,
      storeBefore: { kind: 'redis', tableBytes: 100, indexBytes: 0 },
      storeAfter: { kind: 'redis', tableBytes: 200, indexBytes: 0 },
      maintenanceBefore: null,
      maintenanceAfter: null,
    });
    expect(row.p50).toBeNull();
    expect(row.p99).toBeNull();
    expect(row.store?.totalBytes).toBe(200);
    expect(row.store?.deadTuples).toBeNull();
    expect(Object.values(row.maintenance).every((v) => v === null)).toBe(true);
  });

  it('uses a minute per bucket from 5 minutes on, and 6 buckets of at least 5 s below', () => {
    expect(bucketMsFor(20 * 60_000)).toBe(60_000);
    expect(bucketMsFor(5 * 60_000)).toBe(60_000);
    expect(bucketMsFor(60_000)).toBe(10_000);
    expect(bucketMsFor(12_000)).toBe(5_000);
  });

  it('reads used_memory from INFO memory', () => {
    expect(parseUsedMemory('# Memory\r\nused_memory:1234567\r\nused_memory_human:1.18M\r\n')).toBe(1_234_567);
    expect(() => parseUsedMemory('# Memory\r\n')).toThrow(/used_memory/);
  });
});

describe('bench soak: success checks', () => {
  it('passes a steady p99 and a store that plateaus', () => {
    const sizes = [10, 20, 30, 31, 31, 32].map((m) => m * 2 ** 20);
    const v = soakVerdict(sizes.map((s, k) => bucket(k + 1, k === 0 ? 50 : 10 + k, s)));
    expect(v.p99Second).toBe(11);
    expect(v.p99Last).toBe(15);
    expect(v.p99Ratio).toBeCloseTo(15 / 11, 3);
    expect(v.p99Pass).toBe(true);
    // Half-way through 6 buckets of 60 s is the end of the 3rd.
    expect(v.sizeMid).toBe(30 * 2 ** 20);
    expect(v.sizeGrowth).toBeCloseTo(32 / 30, 3);
    expect(v.bounded).toBe(true);
    expect(v.bytesPerMinute).toBe(Math.round((2 * 2 ** 20) / 3));
    expect(v.completedPerSecond).toBe(1000);
  });

  it('fails a p99 that grows past 1.5× and a table that grows linearly', () => {
    const v = soakVerdict(Array.from({ length: 20 }, (_, k) => bucket(k + 1, 10 + k * 2, (k + 1) * 50 * 2 ** 20)));
    expect(v.p99Ratio).toBeCloseTo(48 / 12, 3);
    expect(v.p99Pass).toBe(false);
    expect(v.sizeGrowth).toBeCloseTo(2, 3);
    expect(v.bounded).toBe(false);
  });

  it('judges nothing it cannot: too few buckets, no store reader, no sample', () => {
    const two = soakVerdict([bucket(1, 5, 1), bucket(2, 5, 2)]);
    expect(two.p99Ratio).toBeNull();
    expect(two.p99Pass).toBeNull();
    expect(two.bounded).toBeNull();
    const noStore = soakVerdict([bucket(1, 5, null), bucket(2, 5, null), bucket(3, 5, null)]);
    expect(noStore.sizeLast).toBeNull();
    expect(noStore.bounded).toBeNull();
    expect(noStore.p99Pass).toBe(true);
    expect(soakVerdict([]).completedPerSecond).toBe(0);
  });
});

describe('bench soak: report', () => {
  const detail = (buckets: SoakBucket[]): SoakDetail => ({
    rate: 1000,
    handlerMs: 0,
    bucketSeconds: 60,
    durationSeconds: buckets.length * 60,
    sent: 60_000 * buckets.length,
    completed: 60_000 * buckets.length,
    drained: true,
    drainSeconds: 0.1,
    verdict: soakVerdict(buckets),
    buckets,
  });
  const steady = [1, 2, 3, 4].map((k) => bucket(k, 10, 2 ** 20 * 10));
  const growing = [1, 2, 3, 4].map((k) => bucket(k, 10 * k, 2 ** 20 * 10 * k));
  const report = {
    systems: { 'nest-pg-jobs': { label: 'nest-pg-jobs, defaults' }, 'graphile-worker': { label: 'graphile-worker <0.18>' } },
    details: {
      'nest-pg-jobs/soak/1': detail(growing),
      'graphile-worker/soak/1': detail(steady),
      'nest-pg-jobs/burn-down/1': { seconds: 3 },
    },
  };

  it('finds the soak runs of a scenario in table order', () => {
    expect(soakRuns(report, 'soak', ['graphile-worker', 'nest-pg-jobs']).map((r) => r.system)).toEqual(['graphile-worker', 'nest-pg-jobs']);
    expect(soakRuns(report, 'soak-5ms', ['nest-pg-jobs'])).toEqual([]);
  });

  it('renders the checks, a table per system and the charts of the variants that ran', () => {
    const { markdown, svgs } = soakSection(report, ['nest-pg-jobs', 'graphile-worker']);
    expect(markdown).toContain('### No-op handlers: 1,000 jobs/s offered, 4 min in buckets of 60 s');
    // nest-pg-jobs: p99 10 → 40 ms (4× the 2nd bucket's 20), size 10 → 40 MiB (2× half-way's 20).
    expect(markdown).toMatch(/\| nest-pg-jobs, defaults \| 1000 \(1000\) \| 20 \| 40 \| 2 \*\*fail\*\* \| 10 \/ 20 \/ 40 \| 2 \*\*fail\*\* \| 10 \| 0 \| yes, 0.1 s \|/);
    expect(markdown).toMatch(/\| graphile-worker <0.18> \| .* \| 1 pass \| 10 \/ 10 \/ 10 \| 1 pass \| 0 \|/);
    expect(markdown).toContain('<summary>graphile-worker &lt;0.18&gt;: per bucket (240,000 sent, 240,000 completed)</summary>');
    expect(markdown).not.toContain('5 ms handlers');
    expect(Object.keys(svgs).sort()).toEqual(['soak-completed.svg', 'soak-dead.svg', 'soak-p50.svg', 'soak-p99.svg', 'soak-size.svg']);
    expect(markdown).toContain('](benchmarks/soak-p99.svg)');
    expect(svgs['soak-p99.svg']).toContain('graphile-worker &lt;0.18&gt;');
    expect(soakSection({ systems: {}, details: {} }, []).markdown).toBe('');
  });

  it('renders a per-bucket table, with Redis memory for a Redis store', () => {
    const table = bucketTable(detail(steady));
    expect(table.split('\n')).toHaveLength(2 + steady.length);
    expect(table).toContain('| 1 | 1000 | 1000 | 5 | 10 | 0 | 10 | 0 | 0 | 0 | – | – | – | – |');
    const redis = steady.map((b) => ({ ...b, store: { ...b.store!, kind: 'redis' as const } }));
    expect(bucketTable(detail(redis))).toContain('Redis used_memory MiB');
  });

  it('draws a line per series, broken where a bucket has no value, on a rounded scale', () => {
    const svg = lineChart('t', 'x', 'y', [
      { label: 'a', color: '#000', points: [[1, 10], [2, null], [3, 30]] },
      { label: 'b', color: '#111', points: [[1, 5], [2, 6], [3, 7]] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    // Series a: two separate moves, no line through the gap.
    expect(svg).toMatch(/<path d="M[\d.,]+ M[\d.,]+" fill="none" stroke="#000"/);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(niceCeil(31.5)).toBe(50);
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(1800)).toBe(2000);
  });
});

describe('bench soak: log-scale latency charts', () => {
  const run = (p99s: number[]): SoakDetail => {
    const buckets = p99s.map((p99, k) => bucket(k + 1, p99, 1));
    return { rate: 1, handlerMs: 0, bucketSeconds: 60, durationSeconds: 60 * buckets.length, sent: 0, completed: 0, drained: true, drainSeconds: 0, verdict: soakVerdict(buckets), buckets };
  };

  it('puts latencies that differ by more than 20× on decades, and keeps close ones linear', () => {
    const svg = lineChart('t', 'x', 'ms', [{ label: 'a', color: '#000', points: [[1, 20], [2, 2000]] }], { log: true });
    for (const tick of ['>10<', '>100<', '>1000<', '>10000<']) expect(svg).toContain(tick);
    const far = soakSection({ systems: {}, details: { 'a/soak/1': run([20, 20, 20]), 'b/soak/1': run([2000, 2000, 2000]) } }, ['a', 'b']);
    expect(far.markdown).toContain('enqueue-to-start p99 per bucket (log scale)');
    expect(far.markdown).not.toContain('completed jobs/s per bucket (log scale)');
    const near = soakSection({ systems: {}, details: { 'a/soak/1': run([20, 30, 25]) } }, ['a']);
    expect(near.markdown).not.toContain('(log scale)');
  });
});
