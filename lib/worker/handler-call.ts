import type { Job } from '../interfaces/job.interface.js';
import { jobContextStorage, type JobContextStore } from '../context/job-context.storage.js';

/**
 * One call of a job handler, as the interceptors around it see it. It is also the call's job
 * context (the store `JobContext` reads), so a call costs one object.
 *
 * @internal Not exported from the package; the public shape is decided with tracing and metrics.
 */
export type HandlerCall = SingleHandlerCall | BatchHandlerCall;

/** @internal Fields every {@link HandlerCall} has. */
interface HandlerCallBase extends JobContextStore {
  /** The queue the handler works. */
  readonly queue: string;
  /** The handler, as `ClassName.method`. */
  readonly owner: string;
  /** The attempt of the job; for a batch, the highest attempt among its jobs (each has its own). */
  readonly attempt: number;
}

/** @internal A call of a single-job (or recurring) handler. */
export interface SingleHandlerCall extends HandlerCallBase {
  readonly kind: 'single';
  /** The job the handler receives. */
  readonly job: Job<unknown>;
  /** `[job]`. */
  readonly jobs: readonly [Job<unknown>];
}

/** @internal A call of a batch handler. */
export interface BatchHandlerCall extends HandlerCallBase {
  readonly kind: 'batch';
  readonly job: undefined;
  /** The jobs the handler receives, as one array. */
  readonly jobs: readonly Job<unknown>[];
}

/**
 * Wraps every call of a handler, like a Nest interceptor: runs code before and after `next()` (the
 * rest of the chain, down to the handler), and returns what the handler's caller gets. A thrown or
 * rejected error fails the call's job(s) as the handler's own error would.
 *
 * @internal Runner plumbing for tracing, metrics and progress; not a public option yet.
 */
export interface HandlerCallInterceptor {
  intercept(call: HandlerCall, next: () => Promise<unknown>): Promise<unknown>;
  /**
   * Optional: runs once per batch pg-boss hands the runner, before the batch's first handler call,
   * with the jobs about to run (those whose payload passed its checks) and the number pg-boss
   * fetched. A promise it returns holds the batch's calls until it settles: one round trip for the
   * batch rather than one per call (tracing reads the jobs' stored trace contexts here). It must not
   * reject; with none installed, a batch pays nothing.
   */
  prepare?(queue: string, jobs: readonly Job<unknown>[], fetched: number): Promise<void> | undefined;
  /**
   * Optional: the runner gave up on `call`. Its jobs' signals all aborted (timeout, cancel, shutdown)
   * and it had not settled `ABANDON_AFTER_ABORT_MS` later, so its worker slot moved on and its jobs
   * fail with `reason`; the call's `next()` may never settle. What the interceptor holds open for the
   * call (a span) is closed here, not when the handler settles. It must not throw.
   */
  abandon?(call: HandlerCall, reason: Error): void;
}

/**
 * @internal The `prepare` steps of `interceptors` as one function, or `undefined` when none has one
 * (the runner then skips the step with one check per batch).
 */
export function composePrepare(
  interceptors: readonly HandlerCallInterceptor[],
): ((queue: string, jobs: readonly Job<unknown>[], fetched: number) => Promise<void> | undefined) | undefined {
  const steps = interceptors.filter((interceptor) => interceptor.prepare !== undefined);
  if (steps.length === 0) return undefined;
  return (queue, jobs, fetched) => {
    const pending = steps.map((step) => step.prepare!(queue, jobs, fetched)).filter((p) => p !== undefined);
    if (pending.length === 0) return undefined;
    return Promise.all(pending).then(() => undefined);
  };
}

/**
 * @internal The `abandon` steps of `interceptors` as one function, or `undefined` when none has one.
 */
export function composeAbandon(
  interceptors: readonly HandlerCallInterceptor[],
): ((call: HandlerCall, reason: Error) => void) | undefined {
  const steps = interceptors.filter((interceptor) => interceptor.abandon !== undefined);
  if (steps.length === 0) return undefined;
  return (call, reason) => {
    for (const step of steps) step.abandon!(call, reason);
  };
}

/** @internal A handler with its interceptors composed around it: called once per handler call. */
export type HandlerCallChain = (call: HandlerCall) => Promise<unknown>;

/**
 * Composes `interceptors` (the first one outermost) around `invoke`, inside the call's job context,
 * once per handler: a call then costs one `next` function per interceptor, and with none only the
 * context and `invoke` itself. `invoke` receives the job, or the jobs' array for a batch.
 *
 * @internal
 */
export function composeHandlerCall(
  interceptors: readonly HandlerCallInterceptor[],
  invoke: (arg: unknown) => Promise<unknown>,
): HandlerCallChain {
  let chain: HandlerCallChain = (call) => invoke(call.kind === 'single' ? call.job : call.jobs);
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i]!;
    const inner = chain;
    chain = (call) => interceptor.intercept(call, () => inner(call));
  }
  const inContext = chain;
  // The call is the context's store; `run` passes it on, so no closure per call.
  return (call) => jobContextStorage.run(call, inContext, call);
}

/** @internal The {@link HandlerCall} of a single-job handler's call. */
export function singleCall(queue: string, owner: string, job: Job<unknown>): SingleHandlerCall {
  // Both kinds build the same fields in the same order: one object shape on the hot path.
  return { kind: 'single', queue, owner, job, jobs: [job], attempt: job.attempt };
}

/** @internal The {@link HandlerCall} of a batch handler's call. */
export function batchCall(queue: string, owner: string, jobs: readonly Job<unknown>[]): BatchHandlerCall {
  let attempt = 0;
  for (const job of jobs) if (job.attempt > attempt) attempt = job.attempt;
  return { kind: 'batch', queue, owner, job: undefined, jobs, attempt };
}
