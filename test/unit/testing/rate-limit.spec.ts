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

// README, "Rate limits": the example as written.
// the CRM allows 100 calls a minute, however many replicas run this handler
export const SyncContact = defineJob<{ contactId: string }>('sync-contact', { rateLimit: { max: 100, perSeconds: 60 } });

@Injectable()
class CrmJobs {
  readonly synced: string[] = [];
  readonly crm = { upsert: async (contactId: string) => void this.synced.push(contactId) };

  @JobHandler(SyncContact, { concurrency: 4 })
  async sync(job: Job<{ contactId: string }>) { await this.crm.upsert(job.data.contactId); }
}

describe('rate limits in the testing kit', () => {
  it("boots the README's example and runs its jobs", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'inline', logger: false })],
      providers: [CrmJobs],
    }).compile();
    await moduleRef.init();
    try {
      await moduleRef.get(JobsService).send(SyncContact, { contactId: 'c-1' });
      expect(moduleRef.get(CrmJobs).synced).toEqual(['c-1']);
    } finally {
      await moduleRef.close();
    }
  });

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
