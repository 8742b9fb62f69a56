import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import { JobsConfigurationError, JobsService } from '../../../lib/index.js';
import { getJobsTester, JobsTestingModule } from '../../../lib/testing/index.js';
import { Capture, Greet, Recorder, TestFeatureModule, Unhandled } from './fixtures.js';

async function compile(mode: 'manual' | 'inline') {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode, logger: false }), TestFeatureModule],
  }).compile();
  await moduleRef.init();
  return { moduleRef, jobs: moduleRef.get(JobsService), tester: getJobsTester(moduleRef) };
}

describe('pausing a queue in the testing kit', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('runs nothing from a paused queue in drain and counts its jobs as pending (docs/testing.md)', async () => {
    const { moduleRef: ref, jobs, tester } = await compile('manual');
    moduleRef = ref;
    await jobs.pauseQueue(Capture);
    await jobs.send(Capture, { orderId: 'o-7' });
    expect(await tester.drain(Capture)).toMatchObject({ runs: 0, pending: 1 });
    await jobs.resumeQueue(Capture);
    expect(await tester.drain(Capture)).toMatchObject({ completed: 1, pending: 0 });
  });

  it("drains the other queues of drain('all') and leaves the paused one", async () => {
    const { moduleRef: ref, jobs, tester } = await compile('manual');
    moduleRef = ref;
    await jobs.pauseQueue('greet');
    await jobs.send(Greet, { name: 'ada' });
    await jobs.send(Capture, { orderId: 'o-1' });
    expect(await tester.drain()).toMatchObject({ completed: 1, pending: 1 });
    expect(tester.enqueued(Greet)).toHaveLength(1);
    expect(await jobs.isQueuePaused(Greet)).toBe(true);
    expect(await jobs.isQueuePaused(Capture)).toBe(false);
    // clear() forgets the pause with the jobs.
    tester.clear();
    expect(await jobs.isQueuePaused(Greet)).toBe(false);
  });

  it('stores a job sent to a paused queue in inline mode without running it', async () => {
    const { moduleRef: ref, jobs, tester } = await compile('inline');
    moduleRef = ref;
    await jobs.pauseQueue(Greet);
    const id = await jobs.send(Greet, { name: 'bob' });
    expect(ref.get(Recorder).greeted).toEqual([]);
    expect((await jobs.getJob(Greet, id!))?.state).toBe('created');
    await jobs.resumeQueue(Greet);
    expect(await tester.drain(Greet)).toMatchObject({ completed: 1 });
    expect(ref.get(Recorder).greeted.map((g) => g.name)).toEqual(['bob']);
  });

  it('refuses a queue nothing declares, as JobsModule does', async () => {
    const { moduleRef: ref, jobs } = await compile('manual');
    moduleRef = ref;
    await expect(jobs.pauseQueue(Unhandled)).rejects.toThrow(JobsConfigurationError);
    await expect(jobs.pauseQueue(Unhandled)).rejects.toThrow(/^Queue "unhandled" does not exist/);
  });
});
