import type { PgBoss } from 'pg-boss';
import { quoteIdent, schemaIdentifier } from './sql-identifier.util.js';

/** Default of the module option `analyzeAfterInserts`: jobs sent to one table before its statistics are refreshed. */
export const DEFAULT_ANALYZE_AFTER_INSERTS = 10_000;
/** Least time, in ms, between two refreshes of one table's statistics by one instance. */
export const ANALYZE_MIN_INTERVAL_MS = 30_000;
/** How long a refresh waits for its lock (autovacuum or a migration holding the table) before it gives up. */
export const ANALYZE_LOCK_TIMEOUT_MS = 2_000;

interface TableState {
  pending: number;
  /** `performance.now()`-style clock value of the last refresh's start; -Infinity before the first. */
  last: number;
  running?: Promise<void>;
}

/**
 * Refreshes PostgreSQL's planner statistics (`ANALYZE`) of a queue's job table after many jobs
 * were sent to it, as PostgreSQL's documentation advises after a bulk load.
 *
 * pg-boss's fetch picks the next jobs through an index ordered by priority and age. A planner
 * whose statistics say the queue holds a few jobs, while a burst (an import, a backlog while
 * workers were down) put 100,000 there, reads every waiting job and sorts them on each fetch:
 * 11.9 ms instead of 2.8 ms for a fetch of 100 from 20,000 waiting jobs (`node perf/explain.mjs
 * --batch 100` with and without `--analyze`), and worse as the backlog grows (`node perf/run.mjs
 * --only burn --systems nest-default --jobs 100000` with and without `--analyze`: 5.1k against
 * 11.5k jobs/s). Autovacuum fixes the statistics within a minute or so; this does it as soon as
 * `threshold` jobs were sent to the table from this instance, at most once per
 * {@link ANALYZE_MIN_INTERVAL_MS} per table, one refresh at a time, in the background.
 *
 * A refresh that cannot take its lock within {@link ANALYZE_LOCK_TIMEOUT_MS}, or fails, is
 * reported through `onFailure` and skipped; sends never wait for it and never fail because of it.
 * A role that does not own the table gets a warning from PostgreSQL and nothing happens.
 */
export class StatisticsRefresher {
  private readonly tables = new Map<string, TableState>();
  /** The job table of each queue, from pg-boss (shared `job_common` or a partition of its own). */
  private readonly tableOf = new Map<string, Promise<string | undefined>>();
  private stopped = false;
  /** Where failed refreshes are reported (the module's logger). */
  onFailure: (message: string) => void = () => undefined;

  constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
    private readonly threshold: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts `count` jobs sent to `queue`; starts a refresh in the background when one is due. */
  recordInserts(queue: string, count: number): void {
    if (this.stopped || count <= 0) return;
    let table = this.tableOf.get(queue);
    if (table === undefined) {
      table = this.boss.getQueue(queue).then(
        (found) => found?.table,
        () => undefined,
      );
      this.tableOf.set(queue, table);
    }
    void table.then((name) => {
      if (name === undefined) {
        this.tableOf.delete(queue);
        return;
      }
      let state = this.tables.get(name);
      if (!state) this.tables.set(name, (state = { pending: 0, last: -Infinity }));
      state.pending += count;
      if (this.stopped || state.running || state.pending < this.threshold) return;
      if (this.now() - state.last < ANALYZE_MIN_INTERVAL_MS) return;
      state.pending = 0;
      state.last = this.now();
      state.running = this.analyze(queue, name).finally(() => (state.running = undefined));
    });
  }

  /** Starts no refresh after this and waits for those running, so the pool can close. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.tables.values()].map((state) => state.running));
  }

  private async analyze(queue: string, table: string): Promise<void> {
    const target = `${schemaIdentifier(this.schema)}.${quoteIdent(table)}`;
    try {
      // One simple-protocol query is one implicit transaction (rolled back whole on an error, so the
      // pooled connection comes back clean): SET LOCAL bounds only this ANALYZE's lock wait.
      await this.boss.getDb().executeSql(`SET LOCAL lock_timeout = ${ANALYZE_LOCK_TIMEOUT_MS}; ANALYZE ${target}`);
    } catch (error) {
      // The table may be gone (queue deleted or re-created): look it up again next time.
      this.tableOf.delete(queue);
      this.onFailure(
        `Could not refresh the planner statistics of ${target} after many jobs were sent to "${queue}" ` +
          `(autovacuum will): ${(error as Error).message}`,
      );
    }
  }
}
