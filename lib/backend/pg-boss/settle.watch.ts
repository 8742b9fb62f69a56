import type { PgBoss, WipData } from 'pg-boss';
import type { JobEvent } from '../../interfaces/job-event.interface.js';
import type { JobEventsBus } from '../../runtime/job-events.bus.js';
import type { JobsLogger } from '../../module/jobs.logger.js';
import { OUTCOME_NOT_RECORDED } from '../../errors/jobs.messages.js';

/** How often, in ms, held events look whether their pg-boss loop has recorded its batch. */
export const SETTLE_WATCH_MS = 1;

/** The outcome events of one batch, and where its pg-boss loop stood when its handler returned. */
interface Held {
  readonly events: readonly JobEvent[];
  /** Where each loop that may be running the batch stood as its handler returned. */
  readonly loops: readonly LoopMark[];
}

interface LoopMark {
  readonly loop: string;
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
   * Emits `events` once pg-boss's worker loop (the id `work()` returned, or a worker id of
   * `getWipData()`) has recorded the results of the batch its handler is returning now. Call it
   * before the handler returns. Given several loops (a pool that cannot tell which of its loops runs
   * the batch), it waits until every one of them has moved on, so the right one surely has.
   */
  hold(loops: string | readonly string[], events: readonly JobEvent[]): void {
    const wips = this.wip();
    const marks: LoopMark[] = [];
    for (const loop of typeof loops === 'string' ? [loops] : loops) {
      const wip = wips.get(loop);
      // Gone (stopped) or already let go of its jobs (pg-boss failed them at their timeout and only
      // waited for the handler): nothing more will be recorded for a batch of this loop.
      if (!wip || wip.count === 0) continue;
      marks.push({ loop, endedOn: wip.lastJobEndedOn, fetchedOn: wip.lastFetchedOn, errorOn: wip.lastErrorOn });
    }
    if (marks.length === 0) {
      this.events.emitAll(events);
      return;
    }
    this.held.push({ events, loops: marks });
    this.timer ??= setTimeout(this.check, SETTLE_WATCH_MS).unref();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    const wips = this.wip();
    const waiting: Held[] = [];
    // In the order the batches were held, so the events of one loop keep the order its jobs ran in.
    for (const held of this.held) {
      let pending = false;
      let failed = 0;
      for (const mark of held.loops) {
        const state = stateOf(mark, wips.get(mark.loop));
        if (state === 'waiting') pending = true;
        else if (state === 'failed') failed++;
      }
      if (pending) waiting.push(held);
      else if (failed === held.loops.length) {
        this.logger?.warn(OUTCOME_NOT_RECORDED(held.events.length, held.events[0]?.queue ?? held.loops[0]!.loop));
      } else this.events.emitAll(held.events);
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

/**
 * Whether a loop has recorded the batch it held at `mark`: gone (stopped) or let go of its jobs or
 * fetched again (recorded), stamped an error without ending the batch (failed), or neither yet.
 */
function stateOf(mark: LoopMark, wip: WipData | undefined): 'recorded' | 'failed' | 'waiting' {
  if (!wip) return 'recorded';
  if (wip.lastErrorOn !== mark.errorOn && wip.lastJobEndedOn === mark.endedOn) return 'failed';
  if (wip.count === 0 || wip.lastJobEndedOn !== mark.endedOn || wip.lastFetchedOn !== mark.fetchedOn) return 'recorded';
  return 'waiting';
}
