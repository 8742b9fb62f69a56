import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, OnJobEvent, type Job, type JobEvent } from 'nest-pg-jobs';
import { FakeMailGateway } from './fake-mail.gateway.js';
import { WelcomeEmail, type WelcomeEmailData } from './users.jobs.js';

@Injectable()
export class UsersWorker {
  private readonly logger = new Logger('WelcomeEmail');

  constructor(private readonly mail: FakeMailGateway) {}

  /** Throwing fails the attempt: pg-boss retries it, then dead-letters it after the last one. */
  @JobHandler(WelcomeEmail, { concurrency: 4 })
  async sendWelcomeEmail(job: Job<WelcomeEmailData>) {
    const { messageId } = await this.mail.send(
      { to: job.data.email, subject: 'Welcome aboard!' },
      job.signal,
    );
    this.logger.log(`sent to ${job.data.email} (attempt ${job.attempt} of ${job.retryLimit + 1})`);
    return { messageId };
  }

  /** Called once per job that used its last attempt; a real app would page someone here. */
  @OnJobEvent('dead-lettered', WelcomeEmail)
  onDeadLettered(event: JobEvent) {
    const reason = event.error instanceof Error ? event.error.message : String(event.error);
    this.logger.warn(
      `gave up on job ${event.jobId} after ${event.attempt} attempts (${reason}); it now waits in ${event.deadLetter}`,
    );
  }
}
