/** Messages of the testing kit, one factory each, so every message says what to change. */

export const NEEDS_DATABASE = (what: string) =>
  `${what} needs a database, and the jobs testing module has none. Test this against a real ` +
  `PostgreSQL with JobsModule (see waitForJob / waitUntilIdle in nest-pg-jobs/testing), or use the ` +
  `tester's in-memory view (enqueued, expectEnqueued, drain).`;

export const NO_HANDLER = (queue: string, known: readonly string[]) =>
  `No handler for queue "${queue}" in this testing module. ` +
  (known.length
    ? `Handlers found: ${known.map((q) => `"${q}"`).join(', ')}. `
    : 'No handler was found at all. ') +
  `Add the provider whose method has @JobHandler('${queue}') (or @Recurring) to the testing module.`;

export const NOT_A_TESTING_MODULE = () =>
  'JobsService here is the real one, connected to PostgreSQL: there is no JobsTester to get. Build the ' +
  "testing module with JobsTestingModule.forRoot({ mode: 'manual' }) instead of JobsModule.forRoot(...), " +
  "or wrap the builder: overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), { mode: 'manual' }).";

export const DRAIN_LIMIT = (maxRuns: number, byQueue: Record<string, number>) =>
  `drain() stopped after ${maxRuns} handler runs and jobs are still queued ` +
  `(runs per queue: ${Object.entries(byQueue)
    .map(([q, n]) => `${q} ${n}`)
    .join(', ')}). A handler that enqueues its own queue again on every run never drains; ` +
  'if this many runs are expected, raise the limit: drain(definition, { maxRuns }).';

export const INLINE_DEPTH = (queue: string, depth: number) =>
  `Inline mode ran jobs ${depth} levels deep when "${queue}" was sent: a handler that sends a job whose ` +
  `handler sends it again never ends. Use mode 'manual' and drain() with a maxRuns limit to test it.`;

export const EXPECTED_ENQUEUED = (queue: string, wanted: string, found: string) =>
  `Expected a job enqueued in "${queue}"${wanted}, ${found}`;

export const NOT_EXPECTED_ENQUEUED = (queue: string, wanted: string, found: string) =>
  `Expected no job enqueued in "${queue}"${wanted}, but found:\n${found}`;

export const WAIT_TIMEOUT = (what: string, timeoutMs: number, seen: string) =>
  `Timed out after ${timeoutMs} ms waiting for ${what}; ${seen}`;

export const JOB_ENDED_ELSEWHERE = (what: string, seen: string) =>
  `Gave up waiting for ${what}: ${seen}, a final state it will not leave.`;
