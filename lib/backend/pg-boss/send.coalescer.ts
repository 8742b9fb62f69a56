import { randomUUID } from 'node:crypto';
import type { PgBoss, SendOptions } from 'pg-boss';
import type { JobsDb } from '../../interfaces/send-options.interface.js';
import { isRowLevelError } from './database-error.util.js';

/** Most jobs one coalesced INSERT carries. */
const MAX_BATCH = 500;

/** The send options a coalesced INSERT carries exactly as `send` would; any other option sends alone. */
const COALESCED_OPTIONS = new Set(['priority', 'singletonKey', 'singletonSeconds']);

interface Waiting {
  id: string;
  data: object | null;
  options: SendOptions;
  resolve(id: string | null): void;
  reject(error: unknown): void;
}

interface QueueState {
  busy: boolean;
  waiting: Waiting[];
  /** With {@link SendContexts}: the trace context every send of this state was made in. */
  context?: object;
}

/**
 * How the coalescer keeps the trace context of each send (given when the module's `openTelemetry`
 * is on). pg-boss's `insert` makes one `insert` span, in the context it is called in, and stores
 * that one span's context with every job it inserts. Sends from different requests sharing one
 * INSERT would therefore all land in the trace of whichever request's send ran the statement. So
 * with tracing, sends share an INSERT only with sends made in the same context (typically those of
 * one request), and the INSERT runs in that context: each request's jobs join its own trace.
 */
export interface SendContexts {
  /** The caller's current context: an opaque key, compared by identity. */
  active(): object;
  /** Runs `fn` in `context`. */
  with<T>(context: object, fn: () => T): T;
}

/**
 * Lets concurrent `send`s to one queue share one INSERT and one commit. A send to an idle queue
 * goes out at once, alone, through pg-boss's `send`; sends that arrive while a statement for that
 * queue is in flight wait for it and then go out together through `insert`. Each caller resolves
 * only after the statement that carries its job committed, with its own id, or `null` when the
 * queue's policy, `singletonKey` or throttle suppressed its job (ids are assigned here, so the
 * returned ids tell which rows were inserted).
 *
 * Only sends with plain options are coalesced (`priority`, `singletonKey`, throttle); a `db`
 * (transactional) send, a debounce, `startAfter`, an explicit `id` or any other option goes alone
 * through pg-boss's `send`, which validates it. When the shared statement is rejected because of a
 * row's values (a data exception, a constraint, a value too long to index: see `isRowLevelError`),
 * every caller is sent again alone, so only the caller at fault gets the error. An error that is the
 * same for every row (connection lost, no such queue, no permission) reaches every caller.
 *
 * With tracing on ({@link SendContexts}), sends share a statement only with sends made in the same
 * trace context, so each job's stored trace context is its own sender's.
 */
export class SendCoalescer {
  /** By queue name: every send without {@link SendContexts}. */
  private readonly queues = new Map<string, QueueState>();
  /** With {@link SendContexts}: by the senders' context, then by queue name. */
  private readonly traced = new Map<object, Map<string, QueueState>>();

  /**
   * @param db where sends without a `db` of their own run (the module's named-statement `db`);
   *   pg-boss's own connection when absent.
   * @param contexts with tracing on: share INSERTs only among sends of one trace context.
   */
  constructor(
    private readonly boss: PgBoss,
    private readonly db?: JobsDb,
    private readonly contexts?: SendContexts,
  ) {}

  send(name: string, data: object | null, options: SendOptions): Promise<string | null> {
    if (!coalescible(data, options)) return this.boss.send(name, data, this.withDb(options));
    const context = this.contexts?.active();
    const states = context === undefined ? this.queues : this.statesOf(context);
    let state = states.get(name);
    if (!state) {
      state = context === undefined ? { busy: false, waiting: [] } : { busy: false, waiting: [], context };
      states.set(name, state);
    }
    if (!state.busy) {
      state.busy = true;
      const sent = this.boss.send(name, data, this.withDb(options));
      sent.then(
        () => this.flush(name, state),
        () => this.flush(name, state),
      );
      return sent;
    }
    return new Promise((resolve, reject) => {
      state.waiting.push({ id: randomUUID(), data, options, resolve, reject });
    });
  }

  /**
   * Queues with a statement in flight or sends waiting. An idle queue has no entry: the map never
   * grows with the number of distinct names sent to (names refused by pg-boss included).
   */
  get activeQueues(): number {
    let count = this.queues.size;
    for (const states of this.traced.values()) count += states.size;
    return count;
  }

  private statesOf(context: object): Map<string, QueueState> {
    let states = this.traced.get(context);
    if (!states) {
      states = new Map();
      this.traced.set(context, states);
    }
    return states;
  }

  /** Sends what waited behind the statement that just finished, or forgets the idle queue. */
  private flush(name: string, state: QueueState): void {
    if (state.waiting.length === 0) {
      state.busy = false;
      this.forget(name, state);
      return;
    }
    const batch = state.waiting.splice(0, MAX_BATCH);
    const context = state.context;
    const sent =
      context === undefined ? this.insert(name, batch) : this.contexts!.with(context, () => this.insert(name, batch));
    void sent.finally(() => this.flush(name, state));
  }

  private forget(name: string, state: QueueState): void {
    const states = state.context === undefined ? this.queues : this.traced.get(state.context);
    if (states?.get(name) !== state) return;
    states.delete(name);
    if (state.context !== undefined && states.size === 0) this.traced.delete(state.context);
  }

  private async insert(name: string, batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.alone(name, batch[0]!);
    let inserted: string[] | null;
    try {
      inserted = await this.boss.insert(
        name,
        batch.map((w) => ({ ...w.options, id: w.id, data: w.data ?? undefined })),
        { returnId: true, ...(this.db ? { db: this.db } : {}) },
      );
    } catch (error) {
      if (isRowLevelError(error)) {
        await Promise.all(batch.map((w) => this.alone(name, w)));
      } else {
        // The same for every row (no such queue, connection lost): each send would have failed so.
        for (const w of batch) w.reject(error);
      }
      return;
    }
    const rows = new Set(inserted ?? []);
    for (const w of batch) w.resolve(rows.has(w.id) ? w.id : null);
  }

  private alone(name: string, w: Waiting): Promise<void> {
    return this.boss.send(name, w.data, this.withDb(w.options)).then(w.resolve, w.reject);
  }

  /** The options with the coalescer's `db`, unless the caller brought a transaction of its own. */
  private withDb(options: SendOptions): SendOptions {
    return this.db && options.db === undefined ? { ...options, db: this.db } : options;
  }
}

function coalescible(data: object | null, options: SendOptions): boolean {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !COALESCED_OPTIONS.has(key)) return false;
  }
  const { priority, singletonKey, singletonSeconds } = options;
  // The checks pg-boss's send makes (and the columns' types): a value failing them sends alone and
  // gets pg-boss's own error.
  if (priority !== undefined && !isInt32(priority)) return false;
  if (singletonKey !== undefined && singletonKey !== null && typeof singletonKey !== 'string') return false;
  if (singletonSeconds !== undefined && !(isInt32(singletonSeconds) && singletonSeconds > 0)) return false;
  return data === null || typeof data === 'object';
}

function isInt32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= -2_147_483_648 && (value as number) <= 2_147_483_647;
}
