import type { PgBoss, Queue, QueueResult, UpdateQueueOptions } from 'pg-boss';
import { QueueConflictError } from '../../errors/queue-conflict.error.js';
import {
  IMMUTABLE_QUEUE_OPTIONS,
  MANAGED_QUEUE_OPTION_DEFAULTS,
  isRecurringScheduleKey,
  RECURRING_SCHEDULE_KEY,
  recurringScheduleKey,
  SET_ONLY_QUEUE_OPTIONS,
} from '../../module/jobs.constants.js';
import { show, SUBSCRIPTION_ADDED, SUBSCRIPTION_REMOVED } from '../../errors/jobs.messages.js';
import { schemaIdentifier } from './sql-identifier.util.js';
import { describeText } from '../../utils/describe-value.util.js';
import type { DeclaredQueue } from '../../declare/declared-queues.js';
import type { RegisteredHandler } from '../../interfaces/registered-handler.interface.js';
import type { JobsLogger } from '../../module/jobs.logger.js';

/**
 * Keeps the database's queues in line with the declarations: creates missing queues (dead-letter
 * queues first, since pg-boss requires them to exist), updates changed options, refuses changes
 * pg-boss cannot apply, and keeps `@Recurring` schedules equal to the decorators in code.
 */
export class QueuesReconciler {
  constructor(
    private readonly boss: PgBoss,
    private readonly logger: JobsLogger | undefined,
    private readonly notify: boolean,
  ) {}

  async reconcileQueues(declared: readonly DeclaredQueue[]): Promise<void> {
    if (declared.length === 0) return;
    const existing = new Map(
      (await this.boss.getQueues(declared.map((q) => q.name))).map((q) => [q.name, q]),
    );
    // Dead-letter targets first: pg-boss refuses a deadLetter that does not exist yet.
    const targets = new Set(declared.map((q) => q.options.deadLetter));
    const ordered = [...declared].sort((a, b) => Number(!targets.has(a.name)) - Number(!targets.has(b.name)));
    for (const queue of ordered) {
      const current = existing.get(queue.name);
      if (!current) {
        // createQueue takes only set values: a null means "pg-boss default" already.
        const options = Object.fromEntries(Object.entries(this.desired(queue)).filter(([, v]) => v !== null));
        await this.boss.createQueue(queue.name, options as Omit<Queue, 'name'>);
        this.logger?.log(`Created queue "${queue.name}"`);
        continue;
      }
      if (!queue.managed) continue;
      this.assertImmutableUnchanged(queue, current);
      const changes = this.changes(queue, current);
      if (Object.keys(changes).length > 0) {
        await this.boss.updateQueue(queue.name, changes);
        this.logger?.log(
          `Updated queue "${queue.name}": ${Object.entries(changes)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ')}`,
        );
      }
    }
  }

  /**
   * Upserts every declared `@Recurring` schedule and removes the ones no longer declared: those under
   * a key `@Recurring` owns ({@link isRecurringScheduleKey}) that no decorator declares any more.
   */
  async reconcileSchedules(handlers: readonly RegisteredHandler[]): Promise<void> {
    const declared = new Set<string>();
    for (const h of handlers) {
      for (const { cron, tz, data, key } of h.schedules ?? []) {
        const stored = recurringScheduleKey(key);
        await this.boss.schedule(h.queue, cron, data ?? null, { tz, key: stored });
        declared.add(JSON.stringify([h.queue, stored]));
      }
    }
    for (const schedule of await this.boss.getSchedules()) {
      if (isRecurringScheduleKey(schedule.key) && !declared.has(JSON.stringify([schedule.name, schedule.key]))) {
        await this.boss.unschedule(schedule.name, schedule.key);
        const key = schedule.key === RECURRING_SCHEDULE_KEY ? '' : ` key ${show(schedule.key.slice(RECURRING_SCHEDULE_KEY.length + 1))}`;
        this.logger?.log(
          `Unscheduled ${show(schedule.name)}${key} (${describeText(schedule.cron, 200)}): no @Recurring declares it any more`,
        );
      }
    }
  }

  /**
   * Keeps the event subscriptions of the handlers' queues equal to their `subscribe` lists: adds the
   * missing ones (pg-boss's `subscribe`), and removes from these queues the events no handler
   * declares any more (`unsubscribe`), logging each change. Subscriptions of queues this app has no
   * handler for are another app's, and left alone. Run after the queues exist (a subscription row
   * references its queue).
   */
  async reconcileSubscriptions(handlers: readonly RegisteredHandler[], schema: string): Promise<void> {
    if (handlers.length === 0) return;
    const declared = new Set<string>();
    for (const h of handlers) for (const event of h.options.subscribe ?? []) declared.add(JSON.stringify([event.name, h.queue]));
    const { rows } = await this.boss
      .getDb()
      .executeSql(`SELECT event, name FROM ${schemaIdentifier(schema)}.subscription WHERE name = ANY($1::text[])`, [
        handlers.map((h) => h.queue),
      ]);
    const stored = new Set((rows as { event: string; name: string }[]).map((row) => JSON.stringify([row.event, row.name])));
    for (const pair of declared) {
      if (stored.has(pair)) continue;
      const [event, queue] = JSON.parse(pair) as [string, string];
      await this.boss.subscribe(event, queue);
      this.logger?.log(SUBSCRIPTION_ADDED(queue, event));
    }
    for (const pair of stored) {
      if (declared.has(pair)) continue;
      const [event, queue] = JSON.parse(pair) as [string, string];
      await this.boss.unsubscribe(event, queue);
      this.logger?.log(SUBSCRIPTION_REMOVED(queue, event));
    }
  }

  /** The declared options over pg-boss's defaults for every option the module keeps in line. */
  private desired(queue: DeclaredQueue): Record<string, unknown> {
    const full: Record<string, unknown> = { ...MANAGED_QUEUE_OPTION_DEFAULTS, notify: this.notify };
    for (const [key, value] of Object.entries(queue.options)) if (value !== undefined) full[key] = value;
    return full;
  }

  private assertImmutableUnchanged(queue: DeclaredQueue, current: QueueResult): void {
    const fallback: Record<string, unknown> = { policy: 'standard', partition: false };
    for (const option of IMMUTABLE_QUEUE_OPTIONS) {
      const declared = queue.options[option] ?? fallback[option];
      const actual = current[option] ?? fallback[option];
      if (declared !== actual) {
        throw new QueueConflictError(queue.name, option, actual, declared, queue.declaredBy);
      }
    }
  }

  private changes(queue: DeclaredQueue, current: QueueResult): UpdateQueueOptions {
    const desired = this.desired(queue);
    const have = current as unknown as Record<string, unknown>;
    const changes: Record<string, unknown> = {};
    for (const key of Object.keys(desired)) {
      const want = desired[key] ?? null;
      if (want !== (have[key] ?? null)) changes[key] = want;
    }
    for (const key of SET_ONLY_QUEUE_OPTIONS) {
      const want = queue.options[key];
      if (want !== undefined && want !== have[key]) changes[key] = want;
      else if (want === undefined && have[key]) {
        this.logger?.log(
          `Queue "${queue.name}" keeps ${key}=${JSON.stringify(have[key])}: no longer declared, but pg-boss cannot unset it`,
        );
      }
    }
    return changes as UpdateQueueOptions;
  }
}
