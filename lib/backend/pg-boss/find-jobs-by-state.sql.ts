import type { JobState } from '../../interfaces/job-record.interface.js';

/**
 * The columns of a job as pg-boss's `findJobs` returns them (its `JOB_COLUMNS_ALL` in pg-boss 12's
 * plans.js, which it does not export), so a job found by state has the shape of one found by id.
 * test/e2e/find-jobs-by-state.e2e-spec.ts compares the two rows of one job.
 */
const JOB_COLUMNS = `id, name, data, retry_count AS "retryCount", expire_seconds AS "expireInSeconds",
  heartbeat_seconds AS "heartbeatSeconds", group_id AS "groupId", group_tier AS "groupTier", policy, state,
  priority, retry_limit AS "retryLimit", retry_delay AS "retryDelay", retry_backoff AS "retryBackoff",
  retry_delay_max AS "retryDelayMax", start_after AS "startAfter", started_on AS "startedOn",
  singleton_key AS "singletonKey", singleton_on AS "singletonOn", deletion_seconds AS "deleteAfterSeconds",
  heartbeat_on AS "heartbeatOn", created_on AS "createdOn", completed_on AS "completedOn", keep_until AS "keepUntil",
  dead_letter AS "deadLetter", blocked, blocking, pending_dependencies AS "pendingDependencies", output,
  source_name AS "sourceName", source_id AS "sourceId", source_created_on AS "sourceCreatedOn",
  source_retry_count AS "sourceRetryCount", source_output AS "sourceOutput", source_root_id AS "sourceRootId"`;

/** @internal What {@link findJobsByState} filters on: checked `findJobs` options and a resolved page anchor. */
export interface FindJobsByStateFilter {
  states: readonly JobState[];
  id?: string;
  key?: string;
  data?: object;
  /** The previous page's last job: its id and its `created_on` as {@link findJobsAnchor} reads it. */
  after?: { id: string; createdOn: string };
  limit: number;
}

/**
 * @internal `findJobs` with a `state` filter, which pg-boss 12's `findJobs` does not take: the jobs of
 * queue `name` in one of `states` (and matching the other filters), oldest first, as pg-boss orders
 * `findJobs` (by `created_on`, then `id`, so a page continues with `after` in the same order).
 *
 * `schema` is the quoted schema, `table` the quoted `schema.table` of the queue (pg-boss's `getQueue`
 * names it); every value is a bind parameter. The states are compared as pg-boss's `job_state` enum,
 * not as text, so the planner can use pg-boss's indexes: `job_i14` (name, state, …) holds the live
 * states (created, retry, active, failed), `job_i15` (name, created_on) gives the order for the
 * finished ones (completed, cancelled), which are usually most of a queue.
 */
export function findJobsByState(
  schema: string,
  table: string,
  name: string,
  filter: FindJobsByStateFilter,
): { text: string; values: unknown[] } {
  const values: unknown[] = [name, filter.states];
  const where = ['name = $1', `state = ANY($2::${schema}.job_state[])`];
  if (filter.id !== undefined) {
    values.push(filter.id);
    where.push(`id = $${values.length}::uuid`);
  }
  if (filter.key !== undefined) {
    values.push(filter.key);
    where.push(`singleton_key = $${values.length}`);
  }
  if (filter.data !== undefined) {
    values.push(JSON.stringify(filter.data));
    where.push(`data @> $${values.length}::text::jsonb`);
  }
  if (filter.after !== undefined) {
    values.push(filter.after.createdOn, filter.after.id);
    const createdOn = `$${values.length - 1}::timestamptz`;
    // The bound on created_on alone lets an index scan start at the anchor (as in pg-boss's findJobs).
    where.push(`created_on >= ${createdOn}`, `(created_on, id) > (${createdOn}, $${values.length}::uuid)`);
  }
  values.push(filter.limit);
  return {
    text: `SELECT ${JOB_COLUMNS} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY created_on, id LIMIT $${values.length}`,
    values,
  };
}

/**
 * @internal The `created_on` of the job `after` names ($2) in queue $1, as UTC text with the
 * microseconds a JavaScript `Date` would drop (jobs sent together differ by microseconds): no row
 * when that job was deleted since. pg-boss's `findJobsAnchor`, which it does not export.
 */
export function findJobsAnchor(table: string): string {
  return `SELECT to_char(created_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdOn" FROM ${table} WHERE name = $1 AND id = $2::uuid`;
}
