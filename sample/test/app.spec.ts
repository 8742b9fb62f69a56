// The whole AppModule under test, no database: overrideJobsModule swaps the JobsModule that
// AppModule imports with forRootAsync, and the users' repository is replaced by an in-memory one.
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { overrideJobsModule, getJobsTester, type JobsTester } from 'nest-pg-jobs/testing';
import { AppModule } from '../app.module.js';
import { ImagesController } from '../images/images.controller.js';
import { Thumbnail } from '../images/images.jobs.js';
import { ImportsController } from '../imports/imports.controller.js';
import { ImportRow, ParseImport } from '../imports/imports.jobs.js';
import { ImportsStore } from '../imports/imports.store.js';
import { MaintenanceController } from '../maintenance/maintenance.controller.js';
import { FakeMailGateway, MailRejectedError } from '../users/fake-mail.gateway.js';
import { WelcomeEmail } from '../users/users.jobs.js';
import { UsersRepository, type User } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';

class InMemoryUsers {
  readonly rows: User[] = [];
  async transaction<T>(work: (client: never) => Promise<T>): Promise<T> {
    return work({ query: async () => ({ rows: [] }) } as never);
  }
  async insert(_client: unknown, user: User) {
    this.rows.push(user);
  }
  async list() {
    return this.rows;
  }
}

/** A mail provider that refuses "bounce" addresses and fails the first `busy` calls. */
class ScriptedMail {
  sent: string[] = [];
  busy = 0;
  async send(message: { to: string }) {
    if (message.to.includes('bounce')) throw new MailRejectedError(`550 mailbox unavailable: ${message.to}`);
    if (this.busy-- > 0) throw new Error('421 service busy, try again later');
    this.sent.push(message.to);
    return { messageId: `m-${this.sent.length}` };
  }
}

describe('the sample app, with JobsModule swapped out', () => {
  let moduleRef: TestingModule;
  let tester: JobsTester;
  let mail: ScriptedMail;

  beforeEach(async () => {
    mail = new ScriptedMail();
    moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), {
      mode: 'manual',
      // AppModule's factory insists on DATABASE_URL; these tests have none and need none.
      moduleOptions: { logger: false },
    })
      .overrideProvider(UsersRepository)
      .useValue(new InMemoryUsers())
      .overrideProvider(FakeMailGateway)
      .useValue(mail)
      .compile();
    await moduleRef.init();
    tester = getJobsTester(moduleRef);
  });
  afterEach(() => moduleRef.close());

  it('sign-up queues the welcome e-mail in the transaction, and draining sends it after retries', async () => {
    const { user, welcomeEmailJobId } = await moduleRef.get(UsersService).signUp('ada@example.com');
    const job = tester.expectEnqueued(WelcomeEmail, { userId: user.id, email: 'ada@example.com' });
    expect(job.id).toBe(welcomeEmailJobId);
    expect(job.options.db).toBeDefined(); // sent with { db }: inside the sign-up transaction
    mail.busy = 2;
    expect(await tester.drain(WelcomeEmail)).toMatchObject({ completed: 1, retried: 2, failed: 0 });
    expect(mail.sent).toEqual(['ada@example.com']);
  });

  it('dead-letters a bouncing address after its four attempts', async () => {
    await moduleRef.get(UsersService).signUp('bounce@example.com');
    expect(await tester.drain(WelcomeEmail)).toMatchObject({ runs: 4, retried: 3, failed: 1, deadLettered: 1 });
    expect(tester.deadLettered(WelcomeEmail)).toEqual([
      expect.objectContaining({ name: 'welcome-email.dead', data: expect.objectContaining({ email: 'bounce@example.com' }) }),
    ]);
  });

  it('imports a CSV: the parse job fans out row jobs that the batch handler inserts 100 at a time', async () => {
    const { importId } = await moduleRef.get(ImportsController).upload(undefined, '250');
    tester.expectEnqueued(ParseImport, { importId });
    const summary = await tester.drain('all');
    expect(summary).toMatchObject({ runs: 1 + 3, completed: 1 + 250, failed: 0 });
    expect(tester.jobs(ImportRow)).toHaveLength(250);
    expect(moduleRef.get(ImportsStore).status(importId)).toMatchObject({ state: 'done', total: 250, imported: 250 });
    // The parse job's last progress report, as GET /imports/:id shows it.
    expect(await moduleRef.get(ImportsController).status(importId)).toMatchObject({
      parse: { state: 'completed', progress: { queued: 250, total: 250 } },
    });
  });

  it('pauses thumbnails for an operator: sends keep queueing, nothing runs until resumed', async () => {
    const images = moduleRef.get(ImagesController);
    expect(await images.pause()).toEqual({ queue: Thumbnail.name, paused: true });
    await images.create({ imageId: 'cat.jpg', size: 64 });
    expect(await tester.drain(Thumbnail)).toMatchObject({ runs: 0, pending: 1 });
    expect(await images.resume()).toEqual({ queue: Thumbnail.name, paused: false });
    expect(await tester.drain(Thumbnail)).toMatchObject({ runs: 1, completed: 1, pending: 0 });
  });

  it('runs a maintenance task on demand through its @Recurring queue', async () => {
    await moduleRef.get(MaintenanceController).run('sessions-sweep');
    tester.expectEnqueued('sessions-sweep', { trigger: 'manual' });
    await tester.drain('sessions-sweep');
    expect(tester.jobs('sessions-sweep')[0]).toMatchObject({ state: 'completed', output: { deleted: 0 } });
  });
});
