import { PgBoss, type ConstructorOptions } from 'pg-boss';
import { JobsConfigurationError } from '../../errors/jobs-configuration.error.js';
import { NO_CONNECTION, TOO_MANY_CONNECTIONS } from '../../errors/jobs.messages.js';
import type { JobsModuleOptions } from '../../interfaces/jobs-module-options.interface.js';
import type { JobsDb } from '../../interfaces/send-options.interface.js';
import { namedStatementsDb } from './named-statements.db.js';
import { DEFAULT_ANALYZE_AFTER_INSERTS, StatisticsRefresher } from './statistics.refresher.js';
import { pgBossOpenTelemetry } from '../../telemetry/telemetry-settings.js';

/** The PgBoss the module uses, and whether the module owns (starts, stops, closes) it. */
export interface BossHandle {
  boss: PgBoss;
  owned: boolean;
  /**
   * Where `JobsService` runs sends that carry no `db` of their own: pg-boss's pool through named
   * statements (see {@link namedStatementsDb}), or `undefined` for pg-boss's own path.
   */
  sendDb?: JobsDb;
  /** Refreshes a queue's table statistics after many sends (module option `analyzeAfterInserts`). */
  statistics?: StatisticsRefresher;
}

/**
 * Builds the PgBoss from the module options: from a connection string, from constructor options,
 * or the application's own instance (see {@link pgBossConstructorOptions}).
 */
export function createPgBoss(options: JobsModuleOptions): BossHandle {
  const given = (['connectionString', 'connection', 'boss'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (given.length === 0) throw new JobsConfigurationError(NO_CONNECTION());
  if (given.length > 1) throw new JobsConfigurationError(TOO_MANY_CONNECTIONS(given));
  if (options.boss) return { boss: options.boss, owned: false };

  const constructorOptions = pgBossConstructorOptions(options);
  const boss = new PgBoss(constructorOptions);
  // Only on pg-boss's own pool of the `pg` driver: a `db` adapter given in the options may not take
  // a named query.
  const ownPool = constructorOptions.db === undefined;
  const named = options.preparedStatements !== false && ownPool;
  const analyzeAfter = options.analyzeAfterInserts ?? DEFAULT_ANALYZE_AFTER_INSERTS;
  return {
    boss,
    owned: true,
    ...(named ? { sendDb: namedStatementsDb(boss) } : {}),
    ...(ownPool && analyzeAfter !== false
      ? { statistics: new StatisticsRefresher(boss, jobsSchema(options), analyzeAfter) }
      : {}),
  };
}

/**
 * The constructor options of the `PgBoss` the module builds (from `connectionString` or
 * `connection`): the given ones, with the module-level switches (schema, scheduler, LISTEN/NOTIFY,
 * OpenTelemetry) filling in what they leave unset.
 */
export function pgBossConstructorOptions(options: JobsModuleOptions): ConstructorOptions {
  const base: ConstructorOptions = options.connectionString
    ? { connectionString: options.connectionString }
    : { ...options.connection };
  const openTelemetry = pgBossOpenTelemetry(options);
  return {
    application_name: 'nest-pg-jobs',
    useListenNotify: options.listenNotify ?? true,
    ...base,
    schedule: base.schedule ?? options.scheduler ?? true,
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
    ...(openTelemetry ? { openTelemetry } : {}),
  };
}

/** The schema that holds pg-boss's tables, as the options give it (pg-boss's default `pgboss`). */
export function jobsSchema(options: JobsModuleOptions): string {
  return options.schema ?? options.connection?.schema ?? 'pgboss';
}
