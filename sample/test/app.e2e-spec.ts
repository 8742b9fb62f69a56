// The sample app against a real PostgreSQL (the e2e project starts one when DATABASE_URL is unset):
// the real JobsModule, real workers, and the testing kit's database helpers to wait without sleeps.
import { randomUUID } from 'node:crypto';
import { ConflictException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { JOBS_MODULE_OPTIONS, JobsService } from 'nest-pg-jobs';
import { waitForJob, waitUntilIdle } from 'nest-pg-jobs/testing';
import { AppModule } from '../app.module.js';
import { ImagesController } from '../images/images.controller.js';
import { Thumbnail } from '../images/images.jobs.js';
import { ImportsController } from '../imports/imports.controller.js';
import { ImportRow, ParseImport } from '../imports/imports.jobs.js';
import { ImportsStore } from '../imports/imports.store.js';
import { FakeMailGateway } from '../users/fake-mail.gateway.js';
import { WelcomeEmail } from '../users/users.jobs.js';
import { UsersService } from '../users/users.service.js';

// Its own pg-boss schema, so this file never meets another suite's jobs.
const schema = `sample_${randomUUID().replaceAll('-', '').slice(0, 10)}`;

describe('the sample app on PostgreSQL', () => {
  let moduleRef: TestingModule;
  const mailed: string[] = [];

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(JOBS_MODULE_OPTIONS)
      .useValue({ connectionString: process.env.DATABASE_URL, schema, logger: false, shutdownTimeoutMs: 2_000 })
      // The sample's gateway fails 30% of calls on purpose; these tests want a provider that answers.
      .overrideProvider(FakeMailGateway)
      .useValue({ send: async (message: { to: string }) => (mailed.push(message.to), { messageId: randomUUID() }) })
      .compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    await moduleRef?.close();
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('renders a thumbnail: POST /images answers with a job id that completes with the digest', async () => {
    const { jobId } = await moduleRef.get(ImagesController).create({ imageId: 'cat.jpg', size: 32 });
    const job = await waitForJob(moduleRef, Thumbnail, jobId!, 'completed', { timeoutMs: 15_000 });
    expect(job.output).toMatchObject({ imageId: 'cat.jpg', size: 32, bytes: 32 * 32 * 3 });
  });

  it('signs up in one transaction with the welcome e-mail; a duplicate rolls its job back', async () => {
    const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
    const users = moduleRef.get(UsersService);
    const { welcomeEmailJobId } = await users.signUp(email);
    await waitForJob(moduleRef, WelcomeEmail, welcomeEmailJobId!, 'completed', { timeoutMs: 15_000 });
    expect(mailed).toContain(email);

    await expect(users.signUp(email)).rejects.toThrow(ConflictException);
    const jobs = await moduleRef.get(JobsService).findJobs(WelcomeEmail, { data: { email } });
    expect(jobs.map((job) => job.id)).toEqual([welcomeEmailJobId]);
  });

  it('imports a generated CSV through the parse job and the batch row jobs', async () => {
    const { importId } = await moduleRef.get(ImportsController).upload(undefined, '300');
    const [parse, rows] = await waitUntilIdle(moduleRef, [ParseImport, ImportRow], { timeoutMs: 20_000 });
    expect(parse).toMatchObject({ queued: 0, active: 0, failed: 0 });
    expect(rows).toMatchObject({ queued: 0, active: 0, failed: 0 });
    expect(moduleRef.get(ImportsStore).status(importId)).toMatchObject({ state: 'done', total: 300, imported: 300 });
  });
});
