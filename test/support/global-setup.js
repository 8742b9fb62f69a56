import { startPostgres } from '../../scripts/embedded-postgres.js';

/**
 * Gives the e2e suites a real PostgreSQL: the one in DATABASE_URL when set, otherwise a throwaway
 * embedded server started here and stopped in global-teardown.
 */
export default async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const pg = await startPostgres({ fast: true });
  process.env.DATABASE_URL = pg.url;
  globalThis.__NEST_PG_JOBS_PG__ = pg;
}
