import type { PgBoss } from 'pg-boss';
import { schemaIdentifier } from './sql-identifier.util.js';

/** A stored trace context: the propagator's key/value pairs (`{ traceparent: '00-…' }`). */
export type TraceCarrier = Record<string, string>;

/** Reads the trace contexts stored with jobs of one queue, by job id; jobs without one are absent. */
export type StoredTraceContexts = (queue: string, ids: readonly string[]) => Promise<Map<string, TraceCarrier>>;

/**
 * Reads the trace context pg-boss stored with each job at `send()` (its `trace_context` column,
 * written with `propagateContext`), for the jobs of a fetched batch.
 *
 * pg-boss reads the column with every fetch, but keeps what it read to itself: it parents its own
 * `process` span on it for a batch of one job, and only links to it for a larger batch; the job
 * objects a worker receives do not carry it. So a span per job in its sender's trace needs the
 * column again: one statement per batch of more than one job, by primary key (`name`, `id`).
 */
export function storedTraceContexts(boss: PgBoss, schema: string): StoredTraceContexts {
  const text =
    `SELECT id, trace_context FROM ${schemaIdentifier(schema)}.job ` +
    'WHERE name = $1 AND id = ANY($2::uuid[]) AND trace_context IS NOT NULL';
  return async (queue, ids) => {
    const { rows } = await boss.getDb().executeSql(text, [queue, ids]);
    const carriers = new Map<string, TraceCarrier>();
    for (const row of rows as Array<{ id: string; trace_context: unknown }>) {
      // A db adapter may hand jsonb back as text, as pg-boss notes for the same column.
      const carrier: unknown = typeof row.trace_context === 'string' ? JSON.parse(row.trace_context) : row.trace_context;
      if (typeof carrier === 'object' && carrier !== null) carriers.set(row.id, carrier as TraceCarrier);
    }
    return carriers;
  };
}
