import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { describeValue as show } from '../utils/describe-value.util.js';
import { mountPathProblem } from '../utils/mount-path.util.js';
import { INVALID_DASHBOARD_OPTION } from './dashboard.messages.js';
import type { JobsDashboardDatabase, JobsDashboardOptions } from './interfaces/jobs-dashboard-options.interface.js';

type Rule = (value: unknown) => string | undefined;

const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A bare SQL identifier: what the dashboard accepts as a schema (it refuses anything else per request). */
export const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The dashboard's own rule for a base path (`@pg-boss/dashboard`'s `withBasePath`), made stricter:
 * a leading `/`, no trailing `/`, no empty, `.` or `..` segment.
 */
const path: Rule = (v) => mountPathProblem(v, { example: '/jobs', what: 'the dashboard' });

const guards: Rule = (v) => {
  if (!Array.isArray(v)) return 'must be an array of CanActivate classes or instances (guards: [AuthGuard])';
  const i = v.findIndex(
    (guard) => typeof guard !== 'function' && typeof (guard as { canActivate?: unknown } | null)?.canActivate !== 'function',
  );
  return i < 0
    ? undefined
    : `[${i}] must be a CanActivate class or an object with a canActivate method, got ${show(v[i])}`;
};

const allowedActionOrigins: Rule = (v) => {
  if (!Array.isArray(v)) return 'must be an array of host names (allowedActionOrigins: ["ops.example.com"])';
  for (const [i, host] of v.entries()) {
    if (typeof host !== 'string' || host.trim() === '') return `[${i}] must be a non-empty host name, got ${show(host)}`;
    if (host.includes('://')) {
      // React Router compares the host of the Origin header with each entry: a scheme never matches.
      const bare = hostOf(host);
      return `[${i}] ${show(host)} is an origin, but the entries are hosts${bare ? `: write ${show(bare)}` : ' such as "ops.example.com"'}`;
    }
    if (host.includes('/')) return `[${i}] ${show(host)} must be a host name with an optional port, without a path`;
  }
  return undefined;
};

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host || undefined;
  } catch {
    return undefined;
  }
}

const DATABASE_RULES: Record<keyof JobsDashboardDatabase, Rule> = {
  // Never echoed: a connection string carries a password.
  url: (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty PostgreSQL URL string'),
  schema: (v) =>
    typeof v === 'string' && BARE_IDENTIFIER.test(v)
      ? undefined
      : `must be a bare schema name (letters, digits and "_", not starting with a digit), got ${show(v)}`,
  name: (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : `must be a non-empty string, got ${show(v)}`),
};

const database: Rule = (v) => {
  if (!object(v)) return 'must be an object such as { url: process.env.DATABASE_URL, schema: "pgboss" }';
  if (v.url === undefined) return '.url is required (a PostgreSQL connection string)';
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined) continue;
    const rule = DATABASE_RULES[key as keyof JobsDashboardDatabase];
    if (!rule) return `has the unknown key ${show(key)} (known: ${Object.keys(DATABASE_RULES).join(', ')})`;
    const problem = rule(value);
    if (problem) return `.${key} ${problem}`;
  }
  return undefined;
};

const RULES: Record<keyof JobsDashboardOptions, Rule> = {
  path,
  guards,
  readOnly: (v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`),
  allowedActionOrigins,
  database,
};

/**
 * Checks `JobsDashboardModule.forRoot` / `forRootAsync` options when they are resolved, before
 * anything is mounted, and returns them. Throws a `JobsConfigurationError` naming the option and
 * what to write instead; unknown keys are refused, since they are almost always typos.
 *
 * @example
 * validateDashboardOptions({ path: 'jobs' }); // JobsConfigurationError: ... path must start with "/" (write "/jobs").
 */
export function validateDashboardOptions(options: JobsDashboardOptions): JobsDashboardOptions {
  if (!object(options)) {
    throw new JobsConfigurationError(INVALID_DASHBOARD_OPTION(`the options must be an object such as { path: '/jobs' }, got ${show(options)}`));
  }
  if (options.path === undefined) {
    throw new JobsConfigurationError(INVALID_DASHBOARD_OPTION(`path is required: where to serve the dashboard, such as '/jobs'`));
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = RULES[key as keyof JobsDashboardOptions];
    if (!rule) {
      throw new JobsConfigurationError(
        INVALID_DASHBOARD_OPTION(`unknown option ${show(key)} (known: ${Object.keys(RULES).join(', ')})`),
      );
    }
    const problem = rule(value);
    if (problem) {
      throw new JobsConfigurationError(INVALID_DASHBOARD_OPTION(`${key}${problem.startsWith('.') || problem.startsWith('[') ? '' : ' '}${problem}`));
    }
  }
  return options;
}
