/** Messages of the dashboard module, one factory each, so every message says what to change. */

export const INVALID_DASHBOARD_OPTION = (problem: string) => `Invalid JobsDashboardModule options: ${problem}.`;

export const DASHBOARD_NOT_INSTALLED = (cause: string) =>
  `JobsDashboardModule needs the optional peer dependency @pg-boss/dashboard, which could not be loaded ` +
  `(${cause}). Install it next to nest-pg-jobs: npm i @pg-boss/dashboard`;

export const DASHBOARD_NEEDS_DATABASE = (reason: string) =>
  `JobsDashboardModule has no database to show: ${reason}, so there is no connection string to give the ` +
  `dashboard. Pass one: JobsDashboardModule.forRoot({ path: '/jobs', database: { url: process.env.DATABASE_URL, ` +
  `schema: 'pgboss' } }).`;

export const DASHBOARD_QUOTED_SCHEMA = (schema: string) =>
  `JobsDashboardModule cannot show the schema ${schema}: the dashboard writes the schema into its SQL as a bare name ` +
  `(letters, digits and "_"), which PostgreSQL folds to lower case, so it never reaches a quoted name with capitals ` +
  `or other characters. Use a lower-case schema name for JobsModule, or give the dashboard database.schema.`;

export const DASHBOARD_GUARD_UNRESOLVED = (guard: string, cause: string) =>
  `JobsDashboardModule could not create its guard ${guard}: ${cause}. Provide the guard in a module of the app ` +
  `(providers: [${guard}]), pass an instance (guards: [new ${guard}(...)]), or add the module its dependencies come ` +
  `from to forRootAsync({ imports }).`;

export const DASHBOARD_NOT_MOUNTED = () =>
  'No HTTP server in this application (an application context, or a TestingModule without createNestApplication): ' +
  'the jobs dashboard is not mounted.';

export const DASHBOARD_UNSUPPORTED_ADAPTER = (type: string) =>
  `JobsDashboardModule mounts on the Express and Fastify adapters; this application runs on "${type}". ` +
  'Use @nestjs/platform-express or @nestjs/platform-fastify, or mount createDashboardHandler from ' +
  '@pg-boss/dashboard/handler yourself.';

export const DASHBOARD_READ_ONLY = () =>
  'The jobs dashboard is read-only (JobsDashboardModule readOnly: true): pages render, but nothing can be changed ' +
  'from it.';

export const DASHBOARD_REQUEST_FAILED = (path: string, cause: string) =>
  `The jobs dashboard failed to answer a request for ${path}: ${cause}`;

export const DASHBOARD_GUARD_THREW = (cause: string) =>
  `A guard of the jobs dashboard threw (answered 500; throw an HttpException to answer otherwise): ${cause}`;

export const DASHBOARD_NO_EXPRESS_STACK = () =>
  "Could not find Express's router stack to make its body parsers skip the jobs dashboard: they may read the body of " +
  "the dashboard's form posts, whose actions then fail. Register body parsers after JobsDashboardModule's path, or " +
  'report this with your Express version.';
