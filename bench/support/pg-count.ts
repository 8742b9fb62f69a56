import pg from 'pg';

/** A one-connection pool for the harness's own reads (remaining jobs), apart from the system's. */
export function countQuery(databaseUrl: string, sql: string, params: unknown[] = []) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'bench-harness' });
  return {
    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(sql, params);
      return Number(rows[0]?.n ?? 0);
    },
    close: () => pool.end(),
  };
}

/** pg-boss 12's job table: partitioned by queue (`job_common` and any queue's own partition). */
export const PG_BOSS_JOB_TABLE = 'pgboss.job';

/** Jobs of a pg-boss queue that are not done yet (created, retry, active). */
export const PG_BOSS_REMAINING = `select count(*)::int as n from pgboss.job where name = $1 and state < 'completed'`;
