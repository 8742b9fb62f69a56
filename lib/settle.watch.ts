import type { PgBoss, WipData } from 'pg-boss';
import type { JobEvent } from './interfaces/job-event.interface.js';
import type { JobEventsBus } from './job-events.bus.js';
import type { JobsLogger } from './jobs.logger.js';
import { OUTCOME_NOT_RECORDED } from './jobs.messages.js';

/** How often, in ms, held events look whether their pg-boss loop has recorded its batch. */
export const SETTLE_WATCH_MS = 1;

/** The outcome events of one batch, and where its pg-boss loop stood when its handler returned. */
interface Held {
  readonly loop: string;
  readonly events: readonly JobEvent[];
  readonly endedOn: number | null;
  readonly fetchedOn: number | null;
  readonly errorOn: number | null;
}

/**
 * Holds the outcome events of a batch (`completed`, `failed`, `retried`, `dead-lettered`) until
 * pg-boss has recorded the results its work handler returned, so a listener that reads the job sees
 * its new state and output.
 *
 * pg-boss records those results after the handler returned and tells nobody when it is done: no event,
 * no callback, nothing the handler can await. Its worker loop's bookkeeping, public through
 * `getWipData()`, does tell. Only once the results are recorded does a loop let go of its jobs (`count`
 * 0) and stamp `lastJobEndedOn`, and only after that does it fetch again (`lastFetchedOn`). So the watch
 * notes those stamps as the handler returns (before pg-boss can record anything) and emits once one of
 * them moved or the loop is gone (stopped). A loop whose recording failed stamps `lastErrorOn` and not
 * `lastJobEndedOn`: the database never took that outcome (pg-boss retries the jobs after their expiry),
 * so the events are dropped with a warning.
 *
 * Costs nothing while nothing observes events (runners hold none then). Otherwise no database round
 * trip: one `getWipData()` (an array of one small object per loop of the instance) as a batch is held,
 * then one per {@link SETTLE_WATCH_MS} while events are held, usually one or two per batch.
 */
export class SettleWatch {
  private held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly boss: PgBoss,
    private readonly events: JobEventsBus,
    private readonly logger: JobsLogger | undefined,
  ) {}

  /**
   * Emits `events` once pg-boss's worker loop `loop` (the id `work()` returned) has recorded the
   * results of the batch its handler is returning now. Call it before the handler returns.
   */
  hold(loop: string, events: readonly JobEvent[]): void {
    const wip = this.wip().get(loop);
    // Gone (stopped) or already let go of its jobs (pg-boss failed them at their timeout and only
    // waited for the handler): nothing more will be recorded for this batch.
    if (!wip || wip.count === 0) {
      this.events.emitAll(events);
      return;
    }
    this.held.push({
      loop,
      events,
      endedOn: wip.lastJobEndedOn,
      fetchedOn: wip.lastFetchedOn,
      errorOn: wip.lastErrorOn,
    });
    this.timer ??= setTimeout(this.check, SETTLE_WATCH_MS).unref();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    const wips = this.wip();
    const waiting: Held[] = [];
    // In the order the batches were held, so the events of one loop keep the order its jobs ran in.
    for (const held of this.held) {
      const wip = wips.get(held.loop);
      if (!wip) {
        this.events.emitAll(held.events);
      } else if (wip.lastErrorOn !== held.errorOn && wip.lastJobEndedOn === held.endedOn) {
        this.logger?.warn(OUTCOME_NOT_RECORDED(held.events.length, held.events[0]?.queue ?? wip.name));
      } else if (wip.count === 0 || wip.lastJobEndedOn !== held.endedOn || wip.lastFetchedOn !== held.fetchedOn) {
        this.events.emitAll(held.events);
      } else {
        waiting.push(held);
      }
    }
    this.held = waiting;
    if (waiting.length > 0) this.timer = setTimeout(this.check, SETTLE_WATCH_MS).unref();
  };

  private wip(): Map<string, WipData> {
    const byId = new Map<string, WipData>();
    for (const wip of this.boss.getWipData()) byId.set(wip.id, wip);
    return byId;
  }
}
