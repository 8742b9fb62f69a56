import { createHash } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { quoteIdent, schemaIdentifier } from './sql-identifier.util.js';
import { JobsStartError } from '../../errors/jobs-start.error.js';
import { MODULE_TABLE_MISSING, MODULE_TABLE_NOT_GRANTED } from '../../errors/jobs.messages.js';

/**
 * The table, in pg-boss's schema, that holds the paused queues: one row per paused queue, deleted on
 * resume. Its own name (pg-boss names nothing `nest_pg_jobs_*`), and no foreign key to pg-boss's
 * `queue` table: a constraint on pg-boss's table could stand in the way of pg-boss's own migrations.
 * A queue deleted while paused leaves its row; a queue created again under that name starts paused.
 */
export const PAUSED_QUEUES_TABLE = 'nest_pg_jobs_queue_state';

/**
 * The table, in pg-boss's schema, of the progress handlers report (`job.updateProgress`): one row per
 * job that reported, keyed as pg-boss keys jobs (queue name, id); rows of jobs pg-boss has deleted
 * are pruned by worker instances. No foreign key to pg-boss's partitioned job table, for the same
 * reason as {@link PAUSED_QUEUES_TABLE}.
 */
export const PROGRESS_TABLE = 'nest_pg_jobs_progress';

/**
 * The table, in pg-boss's schema, of the queues' rate-limit windows (`rateLimit`): one row per
 * rate-limited queue, holding the window whose start permits are being handed out and how many are.
 * Only instances running rate-limited handlers need it.
 */
export const RATE_LIMITS_TABLE = 'nest_pg_jobs_rate_limit';

/** A table nest-pg-jobs keeps beside pg-boss's: what it is for, what the app's role needs, its DDL. */
interface ModuleTable {
  readonly name: string;
  /** For messages: `where JobsService.pauseQueue keeps paused queues`. */
  readonly purpose: string;
  readonly privileges: readonly ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[];
  ddl(table: string): string;
}

const MODULE_TABLES: readonly ModuleTable[] = [
  {
    name: PAUSED_QUEUES_TABLE,
    purpose: 'where JobsService.pauseQueue keeps paused queues',
    privileges: ['SELECT', 'INSERT', 'DELETE'],
    ddl: (table) => `CREATE TABLE IF NOT EXISTS ${table} (
  name text PRIMARY KEY,
  paused_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ${table} IS 'nest-pg-jobs: queues paused with JobsService.pauseQueue, one row each';`,
  },
  {
    name: PROGRESS_TABLE,
    purpose: 'where job.updateProgress keeps the progress of jobs',
    privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    ddl: (table) => `CREATE TABLE IF NOT EXISTS ${table} (
  name text NOT NULL,
  id uuid NOT NULL,
  progress jsonb NOT NULL,
  updated_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, id)
);
COMMENT ON TABLE ${table} IS 'nest-pg-jobs: the last progress each job reported with job.updateProgress';`,
  },
  {
    name: RATE_LIMITS_TABLE,
    purpose: 'where workers of rate-limited queues (rateLimit) count job starts',
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
    ddl: (table) => `CREATE TABLE IF NOT EXISTS ${table} (
  name text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  used integer NOT NULL
);
COMMENT ON TABLE ${table} IS 'nest-pg-jobs: per rate-limited queue, the window whose start permits are handed out and how many are';`,
  },
];

/** A module table as SQL text, quoted as pg-boss's statements mean the schema. */
export function moduleTableIdentifier(schema: string, table: string): string {
  return `${schemaIdentifier(schema)}.${quoteIdent(table)}`;
}

/**
 * The SQL that creates the tables nest-pg-jobs keeps in pg-boss's schema (the paused queues of
 * `JobsService.pauseQueue`, the progress of `job.updateProgress`, the windows of `rateLimit`), for an administrator who installs
 * the schema for an application role without CREATE rights, next to pg-boss's `getConstructionPlans`.
 * The module runs the same statements at bootstrap when a table is missing and pg-boss may migrate.
 * Grant the application role `SELECT, INSERT, UPDATE, DELETE` on the tables afterwards.
 *
 * @example
 * import { getConstructionPlans } from 'pg-boss';
 * import { getJobsConstructionPlans } from 'nest-pg-jobs';
 * // run as the administrator, then GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO app_jobs
 * console.log(getConstructionPlans('pgboss', { createSchema: false }));
 * console.log(getJobsConstructionPlans('pgboss'));
 */
export function getJobsConstructionPlans(schema = 'pgboss'): string {
  return MODULE_TABLES.map((table) => table.ddl(moduleTableIdentifier(schema, table.name))).join('\n');
}

interface Found {
  present: boolean;
  granted: boolean;
  role: string;
}

/**
 * @internal Makes sure every module table exists and this role may use it; run once pg-boss has
 * started, by every instance. The rate-limit table is required only with `rateLimits` (this instance
 * runs rate-limited handlers): an administrator who installed the other tables before it existed
 * need not come back for apps that limit nothing; it is still created when it can be. Creates the missing ones when `create` (pg-boss's `migrate` is not
 * false), under an advisory lock so two instances booting together do not race on the catalog.
 * Fails with a {@link JobsStartError} that gives the SQL to run when a table is missing and cannot be
 * created (pg-boss told not to migrate, or a role without CREATE on the schema), or when the role may
 * not use it.
 *
 * PostgreSQL checks CREATE on the schema before it looks at IF NOT EXISTS, so the tables are looked
 * up first: a role with DML rights only starts once an administrator has created them.
 */
export async function installModuleTables(
  boss: PgBoss,
  schema: string,
  { create, rateLimits }: { create: boolean; rateLimits: boolean },
): Promise<void> {
  const db = boss.getDb();
  const lookUp = async (): Promise<Found[]> => {
    const { rows } = await db.executeSql(
      `SELECT t.oid IS NOT NULL AS present,
              t.oid IS NOT NULL AND has_table_privilege(t.oid, t.privileges) AS granted,
              current_user AS role
         FROM (SELECT to_regclass(name) AS oid, privileges FROM unnest($1::text[], $2::text[]) AS x(name, privileges)) t`,
      [MODULE_TABLES.map((table) => moduleTableIdentifier(schema, table.name)), MODULE_TABLES.map((table) => table.privileges.join(', '))],
    );
    return rows as Found[];
  };
  let found = await lookUp();
  let refusal: unknown;
  if (found.some((table) => !table.present) && create) {
    const [a, b] = advisoryLockKeys(schema);
    try {
      // One simple-protocol string is one implicit transaction: the lock is held until the tables are there.
      await db.executeSql(`SELECT pg_advisory_xact_lock(${a}, ${b});\n${getJobsConstructionPlans(schema)}`);
    } catch (error) {
      // Another role may have created them meanwhile (then their COMMENTs are the owner's to write).
      if (!isInsufficientPrivilege(error)) {
        found = await lookUp();
        if (found.some((table) => !table.present)) throw error;
      }
      refusal = error;
    }
    found = await lookUp();
  }
  MODULE_TABLES.forEach((table, i) => {
    if (table.name === RATE_LIMITS_TABLE && !rateLimits) return;
    const { present, granted, role } = found[i]!;
    const identifier = moduleTableIdentifier(schema, table.name);
    if (!present) {
      const reason = refusal === undefined ? undefined : causeOf(refusal);
      throw new JobsStartError(MODULE_TABLE_MISSING(identifier, table.purpose, schema, role, reason, table.privileges), {
        cause: refusal,
      });
    }
    if (!granted) throw new JobsStartError(MODULE_TABLE_NOT_GRANTED(identifier, table.purpose, role, table.privileges));
  });
}

/** sha224 of `text`, in hex. */
export function hash(text: string): string {
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
