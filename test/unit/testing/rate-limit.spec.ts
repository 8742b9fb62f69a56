import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsConfigurationError, JobsService, type Job } from '../../../lib/index.js';
import { getJobsTester, JobsTestingModule } from '../../../lib/testing/index.js';

const Sync = defineJob<{ n: number }>('crm-sync', { rateLimit: { max: 1, perSeconds: 600 } });

@Injectable()
class SyncJobs {
  readonly ran: number[] = [];

  @JobHandler(Sync, { concurrency: 1 })
  async sync(job: Job<{ n: number }>) {
    this.ran.push(job.data.n);
  }
}

@Module({ providers: [SyncJobs] })
class SyncModule {}

@Injectable()
class BatchSyncJobs {
  @JobHandler(Sync, { batchSize: 10 })
  async sync(_jobs: Job<{ n: number }>[]) {}
}

describe('rate limits in the testing kit', () => {
  it('checks a rate-limited handler as JobsModule does, and runs its jobs without waiting for windows (docs/testing.md)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), SyncModule],
    }).compile();
    await moduleRef.init();
    try {
      const jobs = moduleRef.get(JobsService);
      await jobs.send(Sync, { n: 1 });
      await jobs.send(Sync, { n: 2 });
      // One start every ten minutes in production; the kit drains both at once.
      expect(await getJobsTester(moduleRef).drain(Sync)).toMatchObject({ completed: 2, pending: 0 });
      expect(moduleRef.get(SyncJobs).ran).toEqual([1, 2]);
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses a rate limit on a batch handler with the error bootstrap gives', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false })],
      providers: [BatchSyncJobs],
    }).compile();
    const init = moduleRef.init();
    await expect(init).rejects.toThrow(JobsConfigurationError);
    await expect(init).rejects.toThrow(/BatchSyncJobs\.sync \(queue "crm-sync"\).*rateLimit applies to single-job handlers/);
    await moduleRef.close().catch(() => undefined);
  });
});
