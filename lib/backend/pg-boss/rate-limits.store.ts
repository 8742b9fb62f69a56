import type { PgBoss } from 'pg-boss';
import type { JobRateLimit } from '../../interfaces/job-handler-options.interface.js';
import { moduleTableIdentifier, RATE_LIMITS_TABLE } from './module-tables.js';

/**
 * @internal The start permits of rate-limited queues (`rateLimit`), handed out by the database so every
 * instance draws from one count that survives restarts. The table is created with the other module
 * tables (see `installModuleTables`).
 *
 * Windows are fixed: `[k × perSeconds, (k + 1) × perSeconds)` seconds since the epoch, on the
 * database's clock (one clock for every instance). A queue's row holds the window whose permits are
 * being handed out and how many are. A permit is one statement, taken under the row's lock: in the
 * current window while it has permits left, otherwise in the first later window that has, so
 * permits form a line and a job waiting for one cannot be overtaken by later ones. A permit that is
 * never used (its job was cancelled or its instance stopped while waiting) is lost: the queue then
 * starts fewer jobs in that window, never more.
 */
export class RateLimitsStore {
  private readonly claimSql: string;

  constructor(
    private readonly boss: PgBoss,
    schema: string,
  ) {
    const table = moduleTableIdentifier(schema, RATE_LIMITS_TABLE);
    // $1 queue, $2 max, $3 perSeconds. `excluded.window_start` is the current window; a row whose
    // window is older starts over, one at its last permit moves to the next window. The wait is
    // measured on the same clock_timestamp() the current window was computed from.
    this.claimSql = `WITH now AS (SELECT clock_timestamp() AS t),
  current_window AS (SELECT t, to_timestamp(floor(extract(epoch FROM t) / $3::float8) * $3::float8) AS w FROM now)
INSERT INTO ${table} AS r (name, window_start, used)
SELECT $1, w, 1 FROM current_window
ON CONFLICT (name) DO UPDATE SET
  window_start = CASE
    WHEN r.window_start < excluded.window_start THEN excluded.window_start
    WHEN r.used >= $2::int THEN r.window_start + make_interval(secs => $3::float8)
    ELSE r.window_start END,
  used = CASE WHEN r.window_start < excluded.window_start OR r.used >= $2::int THEN 1 ELSE r.used + 1 END
RETURNING (extract(epoch FROM r.window_start - (SELECT t FROM current_window)) * 1000)::float8 AS wait_ms`;
  }

  /**
   * Takes one start permit of `queue` under `limit`, and says in how many milliseconds its window
   * opens (0 or less: it is open now, and closes `perSeconds` after it opened).
   */
  async claim(queue: string, limit: JobRateLimit): Promise<number> {
    const { rows } = await this.boss.getDb().executeSql(this.claimSql, [queue, limit.max, limit.perSeconds]);
    return Number((rows[0] as { wait_ms: number | string }).wait_ms);
  }
}
