import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job } from '../../../lib/index.js';
import { JobsTestingModule } from '../../../lib/testing/index.js';

const ExportReport = defineJob<{ n: number }>('export-report');

@Injectable()
class ExportJobs {
  readonly ran: number[] = [];

  @JobHandler(ExportReport)
  async export(job: Job<{ n: number }>) {
    this.ran.push(job.data.n);
  }
}

describe('JobsService.drain in the testing kit', () => {
  it('drains the in-memory queue, and stops at maxJobs', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false })],
      providers: [ExportJobs],
    }).compile();
    await moduleRef.init();
    try {
      const jobs = moduleRef.get(JobsService);
      await jobs.sendMany(ExportReport, [1, 2, 3, 4].map((n) => ({ data: { n } })));
      expect(await jobs.drain([ExportReport], { maxJobs: 3 })).toEqual({ started: 3, completed: 3, failed: 0, stoppedBy: 'maxJobs' });
      expect(await jobs.drain([ExportReport])).toEqual({ started: 1, completed: 1, failed: 0, stoppedBy: 'idle' });
      expect(moduleRef.get(ExportJobs).ran).toEqual([1, 2, 3, 4]);
      await expect(jobs.drain(['nothing-handles-this'])).rejects.toThrow(/nothing-handles-this/);
    } finally {
      await moduleRef.close();
    }
  });
});
