import { describe, expect, it } from '@jest/globals';
import type { PgBoss, WipData } from 'pg-boss';
import { SettleWatch } from '../../lib/backend/pg-boss/settle.watch.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import type { JobEvent } from '../../lib/interfaces/job-event.interface.js';
import { waitFor } from '../support/wait-for.js';

/** A pg-boss whose worker loops' bookkeeping the test moves by hand, as pg-boss's worker loop does. */
function fakeBoss(loops: Array<Partial<WipData> & { id: string }>) {
  const wips = new Map(loops.map((loop) => [loop.id, { count: 1, lastJobEndedOn: 100, lastFetchedOn: 100, lastErrorOn: null, ...loop }]));
  const boss = { getWipData: () => [...wips.values()] } as unknown as PgBoss;
  return { boss, wips };
}

const completed = (jobId: string): JobEvent => ({ type: 'completed', queue: 'q', jobId, attempt: 1 });

function setup(loops: Array<Partial<WipData> & { id: string }>) {
  const { boss, wips } = fakeBoss(loops);
  const bus = new JobEventsBus();
  const emitted: string[] = [];
  bus.events$.subscribe((event) => emitted.push(event.jobId));
  const warnings: string[] = [];
  const logger = { log() {}, error() {}, warn: (message: string) => void warnings.push(message) };
  const watch = new SettleWatch(boss, bus, logger as never);
  return { watch, wips, emitted, warnings };
}

/** Lets a few of the watch's checks run. */
const someChecks = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('SettleWatch', () => {
  it('holds a batch’s events until its loop has recorded the batch, then emits them in order', async () => {
    const { watch, wips, emitted } = setup([{ id: 'a' }]);
    watch.hold('a', [completed('1'), completed('2')]);
    await someChecks();
    expect(emitted).toEqual([]);
    // pg-boss recorded the results: the loop let go of its jobs and stamped the end of the batch.
    Object.assign(wips.get('a')!, { count: 0, lastJobEndedOn: 101 });
    await waitFor(() => emitted.length === 2, { message: 'the held events' });
    expect(emitted).toEqual(['1', '2']);
  });

  it('emits once the loop fetched again, though its batch-end stamp did not move (same millisecond)', async () => {
    const { watch, wips, emitted } = setup([{ id: 'a' }]);
    watch.hold('a', [completed('1')]);
    Object.assign(wips.get('a')!, { count: 1, lastFetchedOn: 105 });
    await waitFor(() => emitted.length === 1, { message: 'the held event' });
  });

  it('emits at once for a loop that is gone or has already let go of its jobs', () => {
    const { watch, emitted } = setup([{ id: 'idle', count: 0 }]);
    watch.hold('stopped', [completed('1')]);
    watch.hold('idle', [completed('2')]);
    expect(emitted).toEqual(['1', '2']);
  });

  it('keeps each loop apart: one loop’s progress releases only its own events', async () => {
    const { watch, wips, emitted } = setup([{ id: 'a' }, { id: 'b' }]);
    watch.hold('a', [completed('a1')]);
    watch.hold('b', [completed('b1')]);
    Object.assign(wips.get('b')!, { count: 0, lastJobEndedOn: 101 });
    await waitFor(() => emitted.length === 1, { message: 'the event of loop b' });
    await someChecks();
    expect(emitted).toEqual(['b1']);
  });

  it('drops the events, with a warning, when pg-boss could not record the batch', async () => {
    const { watch, wips, emitted, warnings } = setup([{ id: 'a' }]);
    watch.hold('a', [completed('1')]);
    // The settle failed: the loop reported an error and kept its jobs; it fetches again later.
    Object.assign(wips.get('a')!, { lastErrorOn: 102 });
    await waitFor(() => warnings.length === 1, { message: 'the warning' });
    Object.assign(wips.get('a')!, { lastFetchedOn: 600, lastJobEndedOn: 600, count: 0 });
    await someChecks();
    expect(emitted).toEqual([]);
    expect(warnings[0]).toContain('were not emitted: pg-boss could not record the outcome');
  });
});
