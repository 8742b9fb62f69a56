// The short chaos scenarios of `npm run chaos` (docs/reliability.md), at npm-test sizes: 100 jobs/s,
// short fault windows. Each starts its own PostgreSQL (it is restarted or started late) and forks
// real worker processes running chaos/worker.ts from the sources.
import { describe, expect, it } from '@jest/globals';
import { runScenario, type ScenarioResult } from '../../chaos/scenarios.js';

const TIMEOUT_MS = 240_000;

function expectNoJobLost(result: ScenarioResult): void {
  // The scenario's own checks (workers alive, throughput back) are in `error`; its log says more.
  expect({ error: result.error, log: result.logPath }).toEqual({ error: undefined, log: result.logPath });
  expect(result.sent).toBeGreaterThan(300);
  expect(result.lost).toBe(0);
  expect(result.recoverySeconds).not.toBeNull();
}

describe('chaos: no job lost under faults (short scenarios)', () => {
  it('loses no job when a worker process is SIGKILLed mid-load', async () => {
    const result = await runScenario('kill', 'test');
    expectNoJobLost(result);
    // Only the jobs the killed process held can run twice: at most its 4 slots' batches.
    expect(result.duplicated).toBeLessThanOrEqual(4 * 100);
  }, TIMEOUT_MS);

  it('keeps working through a PostgreSQL restart, with LISTEN/NOTIFY back', async () => {
    const result = await runScenario('pg-restart', 'test');
    expectNoJobLost(result);
    expect(result.recoverySeconds).toBeLessThan(15);
    // pg-boss's listener reconnects by itself; without it workers would only poll.
    expect(result.listenBackSeconds).not.toBeNull();
    expect(result.listenBackSeconds).toBeLessThan(60);
  }, TIMEOUT_MS);

  it('starts once a database unreachable at boot comes up', async () => {
    const result = await runScenario('db-late', 'test');
    expectNoJobLost(result);
    expect(result.duplicated).toBe(0);
  }, TIMEOUT_MS);

  it('runs every job exactly once through a graceful SIGTERM rolling restart', async () => {
    const result = await runScenario('rolling', 'test');
    expectNoJobLost(result);
    expect(result.duplicated).toBe(0);
  }, TIMEOUT_MS);
});
