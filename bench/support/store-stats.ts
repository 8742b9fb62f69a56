import pg from 'pg';
import type { StoreStats } from './soak.js';

/**
 * Size and maintenance counters of a system's job table(s), for the soak scenario: every leaf of the
 * partition tree of each root (pg-boss 12 keeps jobs in `pgboss.job`, partitioned by queue: the
 * shared `job_common` and any queue's own partition), or the table itself when it is a plain one
 * (graphile-worker's: pg_partition_tree lists nothing for a table outside a partition tree). Sizes from
 * pg_table_size (heap + TOAST) and pg_indexes_size; dead and live tuples, autovacuum / autoanalyze
 * and client VACUUM / ANALYZE counts from pg_stat_user_tables, and on PostgreSQL 18 their total
 * times (read through to_jsonb so an older server answers null instead of failing). One connection
 * of its own (application_name bench-harness), apart from the system's pools.
 */
const SQL = `
with leaves as (
  select p.relid from unnest($1::text[]) as r(name), lateral pg_partition_tree(r.name::regclass) p where p.isleaf
  union
  select c.oid from unnest($1::text[]) as r(name) join pg_class c on c.oid = r.name::regclass where c.relkind = 'r'
), s as (
  select st.*, to_jsonb(st) as j from pg_stat_user_tables st where st.relid in (select relid from leaves)
)
select
  coalesce((select sum(pg_table_size(relid)) from leaves), 0)::float8 as table_bytes,
  coalesce((select sum(pg_indexes_size(relid)) from leaves), 0)::float8 as index_bytes,
  coalesce(sum(n_dead_tup), 0)::float8 as dead, coalesce(sum(n_live_tup), 0)::float8 as live,
  coalesce(sum(autovacuum_count), 0)::float8 as autovacuums, coalesce(sum(autoanalyze_count), 0)::float8 as autoanalyzes,
  coalesce(sum(vacuum_count), 0)::float8 as vacuums, coalesce(sum(analyze_count), 0)::float8 as analyzes,
  sum((j->>'total_autovacuum_time')::float8) as autovacuum_ms, sum((j->>'total_autoanalyze_time')::float8) as autoanalyze_ms,
  sum((j->>'total_vacuum_time')::float8) as vacuum_ms, sum((j->>'total_analyze_time')::float8) as analyze_ms
from s`;

export function pgStoreStats(databaseUrl: string, roots: string[]) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'bench-harness' });
  return {
    async read(): Promise<StoreStats> {
      const { rows } = await pool.query(SQL, [roots]);
      const r = rows[0] ?? {};
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      return {
        kind: 'postgres',
        tableBytes: Number(r.table_bytes ?? 0),
        indexBytes: Number(r.index_bytes ?? 0),
        deadTuples: Number(r.dead ?? 0),
        liveTuples: Number(r.live ?? 0),
        autovacuumCount: Number(r.autovacuums ?? 0),
        autoanalyzeCount: Number(r.autoanalyzes ?? 0),
        vacuumCount: Number(r.vacuums ?? 0),
        analyzeCount: Number(r.analyzes ?? 0),
        autovacuumMs: num(r.autovacuum_ms),
        autoanalyzeMs: num(r.autoanalyze_ms),
        vacuumMs: num(r.vacuum_ms),
        analyzeMs: num(r.analyze_ms),
      };
    },
    close: () => pool.end(),
  };
}

/** `used_memory` from the reply of Redis's INFO memory. */
export function parseUsedMemory(info: string): number {
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('bench: INFO memory has no used_memory line');
  return Number(match[1]);
}
