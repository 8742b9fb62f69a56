import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { jobsSchema } from '../backend/pg-boss/pg-boss.factory.js';
import { describeValue as show } from '../utils/describe-value.util.js';
import { DASHBOARD_NEEDS_DATABASE, DASHBOARD_QUOTED_SCHEMA } from './dashboard.messages.js';
import type { JobsDashboardDatabase } from './interfaces/jobs-dashboard-options.interface.js';
import { BARE_IDENTIFIER } from './validate-dashboard-options.util.js';

/** What `createDashboardHandler` takes as one entry of `databases`. */
export interface DashboardDatabaseInput {
  url: string;
  schema: string;
  name?: string;
}

/**
 * The database the dashboard shows: the `database` option when given (its schema defaulting to
 * `JobsModule`'s), otherwise `JobsModule`'s own connection string and schema. Throws a
 * `JobsConfigurationError` when neither gives a connection string the dashboard can use as it is.
 *
 * @example
 * resolveDashboardDatabase(undefined, { connectionString: 'postgres://…/app', schema: 'jobs' });
 * // { url: 'postgres://…/app', schema: 'jobs' }
 */
export function resolveDashboardDatabase(
  database: JobsDashboardDatabase | undefined,
  jobs: JobsModuleOptions | undefined,
): DashboardDatabaseInput {
  if (database) {
    return {
      url: database.url,
      schema: database.schema ?? (jobs ? dashboardSchema(jobsSchema(jobs)) : 'pgboss'),
      ...(database.name !== undefined ? { name: database.name } : {}),
    };
  }
  if (!jobs) throw new JobsConfigurationError(DASHBOARD_NEEDS_DATABASE('the application has no JobsModule (or imports it with isGlobal: false)'));
  const url = jobs.connectionString ?? jobs.connection?.connectionString;
  const reason = jobs.boss
    ? 'JobsModule was given an existing PgBoss (boss)'
    : jobs.connection?.db
      ? 'JobsModule was given a custom db (connection.db)'
      : !url
        ? 'JobsModule was given connection options without a connectionString'
        : jobs.connection?.ssl
          ? // pg applies `ssl` on top of the URL; the dashboard's pool would connect without it.
            "JobsModule was given connection.ssl, which the dashboard's connection string cannot carry"
          : undefined;
  if (reason || !url) throw new JobsConfigurationError(DASHBOARD_NEEDS_DATABASE(reason ?? 'no connection string'));
  return { url, schema: dashboardSchema(jobsSchema(jobs)) };
}

/**
 * `JobsModule`'s schema as the dashboard must write it. The dashboard puts the name into its SQL
 * unquoted (and refuses anything but letters, digits and `_`), so a bare name works as it does for
 * pg-boss, and a quoted one only when it means the same unquoted: lower case, no other characters.
 */
function dashboardSchema(schema: string): string {
  const quoted = schema.length > 1 && schema.startsWith('"') && schema.endsWith('"');
  if (!quoted) return schema;
  const name = schema.slice(1, -1);
  if (BARE_IDENTIFIER.test(name) && name === name.toLowerCase()) return name;
  throw new JobsConfigurationError(DASHBOARD_QUOTED_SCHEMA(show(schema)));
}
