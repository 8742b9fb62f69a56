/**
 * @internal The one statement behind `JobsBackend.getQueueGauges`, run on every scrape of the queue
 * gauges (`nest-pg-jobs/prometheus`): for each queue named in `$1` (a `text[]`) that exists, its
 * waiting, deferred, active and failed jobs, the jobs waiting in its dead-letter queue (as the
 * queue row names it), and the age of its oldest due job.
 *
 * `schema` is the quoted schema (`schemaIdentifier`). The jobs are read from `job`, the root of
 * pg-boss's table hierarchy: partitioned by queue name (so each lateral reads its queue's own
 * partition) or, under `noTablePartitioning`, the one table. Only live rows are read, never the
 * completed ones a queue retains, each count through an index that holds nothing else:
 *
 * - the counts repeat `job_i14`'s predicate (`state IN ('created', 'retry', 'active', 'failed')`,
 *   pg-boss's `LIVE_STATES`, on `(name, state, blocked, start_after)`) so the planner matches it,
 *   and every column they read is in the index: an index-only scan of the queue's live jobs;
 * - the oldest due job repeats `job_i11`'s (`state < 'active' AND NOT blocked`, on
 *   `(name, priority DESC, created_on, start_after)`), the index pg-boss's fetch and its monitor's
 *   `readyOldestSeconds` read: "due" is pg-boss's "ready", and the age counts from
 *   `GREATEST(created_on, start_after)`, as `QueueBacklog.oldestWaitingSeconds` does.
 *
 * A scrape thus costs what the queues have in flight, not what they retain (docs/architecture.md
 * gives the measured cost).
 */
export function queueGaugesSql(schema: string): string {
  return `SELECT q.name AS queue,
  COALESCE(live.waiting, 0) AS waiting,
  COALESCE(live.deferred, 0) AS deferred,
  COALESCE(live.active, 0) AS active,
  COALESCE(live.failed, 0) AS failed,
  COALESCE(dead.waiting, 0) AS "deadLettered",
  COALESCE(GREATEST(0, round(extract(epoch FROM now() - ready.since)))::int, 0) AS "oldestWaitingSeconds"
FROM ${schema}.queue q
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE j.state IN ('created', 'retry'))::int AS waiting,
    count(*) FILTER (WHERE j.state IN ('created', 'retry') AND NOT j.blocked AND j.start_after > now())::int AS deferred,
    count(*) FILTER (WHERE j.state = 'active')::int AS active,
    count(*) FILTER (WHERE j.state = 'failed')::int AS failed
  FROM ${schema}.job j
  WHERE j.name = q.name AND j.state IN ('created', 'retry', 'active', 'failed')
) live ON true
LEFT JOIN LATERAL (
  SELECT min(GREATEST(j.created_on, j.start_after)) AS since
  FROM ${schema}.job j
  WHERE j.name = q.name AND j.state < 'active' AND NOT j.blocked AND j.start_after <= now()
) ready ON true
LEFT JOIN LATERAL (
  SELECT count(*)::int AS waiting
  FROM ${schema}.job j
  WHERE j.name = q.dead_letter AND j.state IN ('created', 'retry')
) dead ON true
WHERE q.name = ANY($1::text[])
ORDER BY q.name`;
}
