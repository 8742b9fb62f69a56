import type { PgBoss } from 'pg-boss';
import type { JobsLogger } from '../../module/jobs.logger.js';
import type { PausedQueuesStore } from './paused-queues.store.js';
import { PAUSED_QUEUES_UNREADABLE } from '../../errors/jobs.messages.js';

/** How often, in ms, a worker instance reads which of its queues are paused. */
export const PAUSE_POLL_INTERVAL_MS = 1_000;

type ListenHandle = { close(): Promise<void> };

/**
 * Tells a worker instance which of its queues are paused, within about a second of a pause or
 * resume anywhere in the cluster.
 *
 * Polling is the floor: one statement a second (`PausedQueuesStore.pausedAmong`, an index lookup
 * per queue of this instance on a table of one row per paused queue; reads are never concurrent,
 * the next starts a second after the last ended), so a pause reaches every instance within a
 * second even with LISTEN/NOTIFY off (PgBouncer in transaction mode), down or reconnecting. A
 * pause or resume also notifies the schema's channel in the same statement (delivered at commit),
 * and an instance listening there reads at once: the pause lands in milliseconds. Listening costs
 * one more connection per worker instance (pg-boss's `listen`, which reconnects by itself and
 * heartbeats its connection), so it follows the module's `listenNotify`, and needs pg-boss's own
 * database (a `db` adapter may not listen). Either way the read is the truth and the notification a
 * hint: a notification missed while the listener reconnects costs at most the next poll.
 */
export class PauseWatch {
  private timer: NodeJS.Timeout | undefined;
  private listener: ListenHandle | undefined;
  private reading: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private stopped = false;
  /** Set while reads fail, so a lost database is logged once, not every second. */
  private failing = false;
  private readonly queues: ReadonlySet<string>;

  constructor(
    private readonly boss: PgBoss,
    private readonly store: PausedQueuesStore,
    queues: Iterable<string>,
    /** Called after every read with the queues of `queues` that are paused now. */
    private readonly apply: (paused: ReadonlySet<string>) => void,
    private readonly options: { listen: boolean; logger: JobsLogger | undefined },
  ) {
    this.queues = new Set(queues);
  }

  /** Starts listening (when enabled and possible) and polling. */
  async start(): Promise<void> {
    const db = this.boss.getDb();
    if (this.options.listen && typeof db.listen === 'function') {
      try {
        this.listener = await db.listen(
          this.store.channel,
          (queue) => {
            if (this.queues.has(queue)) void this.refresh();
          },
          // (Re)connected: notifications sent meanwhile were missed.
          () => void this.refresh(),
        );
      } catch (error) {
        // Polling still runs: a pause arrives within a second instead of at once.
        this.options.logger?.warn(`Could not LISTEN for paused queues (${(error as Error)?.message}); polling every second`);
      }
    }
    if (this.stopped) await this.closeListener();
    this.schedule();
  }

  /**
   * Reads the paused queues now and applies them. Resolves after a read that began after this call
   * (a read already under way may have started before the change the caller made).
   */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.reading) {
      this.reading = this.read().finally(() => (this.reading = undefined));
      return this.reading;
    }
    return (this.again ??= this.reading.then(() => {
      this.again = undefined;
      return this.refresh();
    }));
  }

  /** Stops polling and listening; waits for a read under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.closeListener();
    await this.reading;
  }

  private async read(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const paused = await this.store.pausedAmong([...this.queues]);
      this.failing = false;
      if (!this.stopped) this.apply(paused);
    } catch (error) {
      if (!this.failing) this.options.logger?.warn(PAUSED_QUEUES_UNREADABLE((error as Error)?.message ?? String(error)));
      this.failing = true;
    } finally {
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // unref'd: a watch never keeps the process alive; shutdown stops it anyway.
    this.timer = setTimeout(() => void this.refresh(), PAUSE_POLL_INTERVAL_MS).unref();
  }

  private async closeListener(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close().catch(() => undefined);
  }
}
