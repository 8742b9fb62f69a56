import { createHash } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { quoteIdent, schemaIdentifier } from './sql-identifier.util.js';
import { JobsStartError } from '../../errors/jobs-start.error.js';
import { PAUSE_TABLE_MISSING, PAUSE_TABLE_NOT_GRANTED } from '../../errors/jobs.messages.js';

/**
 * The table, in pg-boss's schema, that holds the paused queues: one row per paused queue, deleted on
 * resume. Its own name (pg-boss names nothing `nest_pg_jobs_*`), and no foreign key to pg-boss's
 * `queue` table: a constraint on pg-boss's table could stand in the way of pg-boss's own migrations.
 * A queue deleted while paused leaves its row; a queue created again under that name starts paused.
 */
export const PAUSED_QUEUES_TABLE = 'nest_pg_jobs_queue_state';

/**
 * The SQL that creates the tables nest-pg-jobs keeps in pg-boss's schema (today one: the paused
 * queues of `JobsService.pauseQueue`), for an administrator who installs the schema for an
 * application role without CREATE rights, next to pg-boss's `getConstructionPlans`. The module runs
 * the same statement at bootstrap when the table is missing and pg-boss may migrate. Grant the
 * application role `SELECT, INSERT, DELETE` on the table afterwards.
 *
 * @example
 * import { getConstructionPlans } from 'pg-boss';
 * import { getJobsConstructionPlans } from 'nest-pg-jobs';
 * // run as the administrator, then GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA pgboss TO app_jobs
 * console.log(getConstructionPlans('pgboss', { createSchema: false }));
 * console.log(getJobsConstructionPlans('pgboss'));
 */
export function getJobsConstructionPlans(schema = 'pgboss'): string {
  return `CREATE TABLE IF NOT EXISTS ${tableIdentifier(schema)} (
  name text PRIMARY KEY,
  paused_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ${tableIdentifier(schema)} IS 'nest-pg-jobs: queues paused with JobsService.pauseQueue, one row each';`;
}

/** The paused-queues table as SQL text, quoted as pg-boss's statements mean the schema. */
function tableIdentifier(schema: string): string {
  return `${schemaIdentifier(schema)}.${quoteIdent(PAUSED_QUEUES_TABLE)}`;
}

/**
 * @internal Every statement about paused queues, in one place: creating the table at bootstrap,
 * pausing and resuming (each one statement that writes the row and notifies, so the NOTIFY is sent
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
    this.table = tableIdentifier(schema);
    this.channel = `nest_pg_jobs_pause_${hash(schemaIdentifier(schema)).slice(0, 24)}`;
  }

  /**
   * Makes sure the table exists and this role may use it; run once pg-boss has started. Creates it
   * when missing and `create` (pg-boss's `migrate` is not false), under an advisory lock so two
   * instances booting together do not race on the catalog. Fails with a {@link JobsStartError} that
   * gives the SQL to run when the table is missing and cannot be created (pg-boss told not to migrate,
   * or a role without CREATE on the schema), or when the role may not read and write it.
   *
   * PostgreSQL checks CREATE on the schema before it looks at IF NOT EXISTS, so the table is looked
   * up first: a role with DML rights only starts once an administrator has created it.
   */
  async install({ create }: { create: boolean }): Promise<void> {
    let found = await this.lookUp();
    if (!found.present && create) {
      const [a, b] = advisoryLockKeys(this.schema);
      try {
        // One simple-protocol string is one implicit transaction: the lock is held until the table is there.
        await this.db().executeSql(`SELECT pg_advisory_xact_lock(${a}, ${b});\n${getJobsConstructionPlans(this.schema)}`);
        found = await this.lookUp();
      } catch (error) {
        // Another role may have created it meanwhile (then its COMMENT is the owner's to write).
        found = await this.lookUp();
        if (!found.present && isInsufficientPrivilege(error)) {
          throw new JobsStartError(PAUSE_TABLE_MISSING(this.table, this.schema, found.role, causeOf(error)), { cause: error });
        }
        if (!found.present) throw error;
      }
    }
    if (!found.present) {
      throw new JobsStartError(PAUSE_TABLE_MISSING(this.table, this.schema, found.role, undefined));
    }
    if (!found.granted) throw new JobsStartError(PAUSE_TABLE_NOT_GRANTED(this.table, found.role));
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

  private async lookUp(): Promise<{ present: boolean; granted: boolean; role: string }> {
    const { rows } = await this.db().executeSql(
      `SELECT t.oid IS NOT NULL AS present,
              t.oid IS NOT NULL AND has_table_privilege(t.oid, 'SELECT') AND has_table_privilege(t.oid, 'INSERT')
                AND has_table_privilege(t.oid, 'DELETE') AS granted,
              current_user AS role
         FROM (SELECT to_regclass($1) AS oid) t`,
      [this.table],
    );
    return rows[0] as { present: boolean; granted: boolean; role: string };
  }

  private db() {
    return this.boss.getDb();
  }
}

function hash(text: string): string {
  return createHash('sha224').update(text).digest('hex');
}

/** Two 32-bit keys for `pg_advisory_xact_lock`: the module's, and the schema's. */
function advisoryLockKeys(schema: string): [number, number] {
  // 'npgj' as an int. pg-boss takes one-key (bigint) locks, and PostgreSQL keeps the one-key and
  // two-key lock spaces apart.
  const module = 0x6e70676a;
  return [module, Number.parseInt(hash(schemaIdentifier(schema)).slice(0, 8), 16) | 0];
}

function isInsufficientPrivilege(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42501';
}

function causeOf(error: unknown): string {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return `${String(message)}${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}`;
}
