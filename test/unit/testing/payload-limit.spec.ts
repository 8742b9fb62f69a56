// The testing kit applies the app's maxPayloadBytes at send, as JobsService does (issue 11, 1b.5).
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { JobsModule, JobsService, JobValidationError } from '../../../lib/index.js';
import { getJobsTester, overrideJobsModule } from '../../../lib/testing/index.js';
import { Greet, Recorder, TestFeatureModule } from './fixtures.js';

@Module({
  imports: [JobsModule.forRoot({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }), TestFeatureModule],
})
class AppModule {}

describe('testing kit payload size limit', () => {
  it("sends and drains a 1.5 MB payload when the app's maxPayloadBytes allows 4 MiB, and refuses one over it", async () => {
    const moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), {
      mode: 'manual',
      moduleOptions: { logger: false, maxPayloadBytes: 4 * 1024 * 1024 },
    }).compile();
    await moduleRef.init();
    try {
      const jobs = moduleRef.get(JobsService);
      const name = 'x'.repeat(1_500_000);
      await jobs.send(Greet, { name });
      expect(await getJobsTester(moduleRef).drain()).toMatchObject({ completed: 1 });
      expect(moduleRef.get(Recorder).greeted.map((g) => g.name.length)).toEqual([1_500_000]);
      await expect(jobs.send(Greet, { name: 'x'.repeat(4 * 1024 * 1024) })).rejects.toThrow(JobValidationError);
    } finally {
      await moduleRef.close();
    }
  });
});
