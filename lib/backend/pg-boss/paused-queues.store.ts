import type { PgBoss } from 'pg-boss';
import { schemaIdentifier } from './sql-identifier.util.js';
import { hash, moduleTableIdentifier, PAUSED_QUEUES_TABLE } from './module-tables.js';

/**
 * @internal Every statement about paused queues, in one place (the table is created with the other
 * module tables, see `installModuleTables`): pausing and resuming (each one statement that writes the row and notifies, so the NOTIFY is sent
 * only if the change commits), and reading the paused set. Queue names are bind parameters; the
 * schema and table names are quoted identifiers (the schema option is validated at bootstrap).
 */
export class PausedQueuesStore {
  /**
   * The LISTEN/NOTIFY channel pauses and resumes are announced on: one per schema, so apps on other
   * schemas of the database are not woken. Hashed, as pg-boss names its own channel: a channel is an
   * identifier of at most 63 bytes, and a schema name may take 50.
   */
  readonly channel: string;
  private readonly table: string;

  constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {
    this.table = moduleTableIdentifier(schema, PAUSED_QUEUES_TABLE);
    this.channel = `nest_pg_jobs_pause_${hash(schemaIdentifier(schema)).slice(0, 24)}`;
  }

  /** Pauses `queue` (nothing changes if it is paused already) and announces it when it changed. */
  async pause(queue: string): Promise<void> {
    await this.db().executeSql(
      `WITH paused AS (INSERT INTO ${this.table} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING name)
       SELECT pg_notify($2, name) FROM paused`,
      [queue, this.channel],
    );
  }

  /** Resumes `queue` (nothing changes if it is not paused) and announces it when it changed. */
  async resume(queue: string): Promise<void> {
    await this.db().executeSql(
      `WITH resumed AS (DELETE FROM ${this.table} WHERE name = $1 RETURNING name)
       SELECT pg_notify($2, name) FROM resumed`,
      [queue, this.channel],
    );
  }

  /** Whether `queue` is paused. */
  async isPaused(queue: string): Promise<boolean> {
    const { rows } = await this.db().executeSql(`SELECT 1 FROM ${this.table} WHERE name = $1`, [queue]);
    return rows.length > 0;
  }

  /**
   * Which of `queues` are paused. An index lookup per queue on a table of one row per paused queue:
   * what every worker instance runs once a second (see `PauseWatch`).
   */
  async pausedAmong(queues: readonly string[]): Promise<Set<string>> {
    if (queues.length === 0) return new Set();
    const { rows } = await this.db().executeSql(`SELECT name FROM ${this.table} WHERE name = ANY($1::text[])`, [queues]);
    return new Set(rows.map((row: { name: string }) => row.name));
  }

  private db() {
    return this.boss.getDb();
  }
}
