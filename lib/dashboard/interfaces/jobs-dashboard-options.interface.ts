import type { CanActivate, Type } from '@nestjs/common';

/**
 * A guard of the dashboard: a `CanActivate` class (resolved like a provider, with its
 * dependencies) or an instance.
 *
 * @example
 * const guards: JobsDashboardGuard[] = [AuthGuard, new RoleGuard('ops')];
 */
export type JobsDashboardGuard = Type<CanActivate> | CanActivate;

/**
 * The database the dashboard shows, when it is not `JobsModule`'s own.
 *
 * @example
 * const database: JobsDashboardDatabase = { url: process.env.DATABASE_URL!, schema: 'jobs', name: 'production' };
 */
export interface JobsDashboardDatabase {
  /**
   * PostgreSQL connection string. The dashboard opens its own pool (up to 10 connections) with
   * it; everything the pool needs (TLS: `sslmode`, `sslrootcert`...) must be in the URL.
   */
  url: string;
  /**
   * Schema of pg-boss's tables: a bare name (letters, digits and `_`). Default: `JobsModule`'s
   * schema when the app has one, else `pgboss`.
   */
  schema?: string;
  /** Name shown in the dashboard. Default: the database name in the URL. */
  name?: string;
}

/**
 * Options of `JobsDashboardModule.forRoot` / `forRootAsync`.
 *
 * @example
 * JobsDashboardModule.forRoot({
 *   path: '/jobs',
 *   guards: [AuthGuard, new RoleGuard('ops')],
 *   readOnly: process.env.NODE_ENV === 'production',
 *   allowedActionOrigins: ['ops.example.com'],
 * })
 */
export interface JobsDashboardOptions {
  /**
   * Where the dashboard is served, from the server's root (Nest's global prefix is not added):
   * `'/jobs'` serves `/jobs` and everything under `/jobs/`. Letters, digits and `. _ ~ - /`,
   * starting with `/`, without a trailing `/`.
   */
  path: string;
  /**
   * The app's own guards, run in order for every dashboard request (pages, assets, actions) with an
   * HTTP `ExecutionContext`: `false` answers 403, a thrown `HttpException` its status and body.
   * Without guards the dashboard is open to anyone who reaches the path.
   */
  guards?: JobsDashboardGuard[];
  /**
   * Refuse every request that could change something (any method but GET, HEAD and OPTIONS) with
   * 403, after the guards. Pages still render, buttons included: the refusal comes when one is used.
   */
  readOnly?: boolean;
  /**
   * Hosts (not origins: `ops.example.com`, `*.example.com`, `ops.example.com:8443`) a dashboard
   * action may be posted from when the browser's `Origin` differs from the URL the app sees.
   * Behind a proxy the app often sees `http://127.0.0.1:3000` while the browser sends the public
   * origin: every action then answers 400 while every page renders. Name the public host here.
   */
  allowedActionOrigins?: string[];
  /**
   * The database to show. Default: `JobsModule`'s connection string and schema. Required when
   * `JobsModule` has no connection string (an existing `boss`, a custom `connection.db`,
   * `connection.ssl`, or no `JobsModule` at all).
   */
  database?: JobsDashboardDatabase;
}
