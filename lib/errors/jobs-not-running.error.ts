/**
 * Thrown (as a rejection) by every `JobsService` method called when `JobsModule` is not running:
 * `reason` is `'not-started'` when the application was not initialised within `initTimeoutMs` of
 * the call (no `app.init()` / `app.listen()`, or a call from a constructor that runs before it),
 * and `'shut-down'` once the application was closed. Nothing was written.
 *
 * @example
 * try {
 *   await jobs.send(WelcomeEmail, { userId });
 * } catch (error) {
 *   if (error instanceof JobsNotRunningError && error.reason === 'shut-down') return; // app closing
 *   throw error;
 * }
 */
export class JobsNotRunningError extends Error {
  override readonly name: string = 'JobsNotRunningError';
  constructor(
    message: string,
    /** Why the module is not running: never started, or shut down. */
    readonly reason: 'not-started' | 'shut-down',
  ) {
    super(message);
  }
}
