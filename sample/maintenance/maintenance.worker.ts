import { Injectable, Logger } from '@nestjs/common';
import { CronExpression } from '@nestjs/schedule';
import { Recurring, type Job } from 'nest-pg-jobs';
import { ImportsStore } from '../imports/imports.store.js';
import { SessionsStore } from '../users/sessions.store.js';

/** Why a maintenance job ran: its schedule, or someone asking through `POST /maintenance/:task`. */
export interface MaintenanceRun {
  trigger: 'cron' | 'manual';
}

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Housekeeping on a schedule. Unlike `@nestjs/schedule`'s `@Cron`, each tick runs once across all
 * instances of the app, not once per instance, and a tick missed while the app was down is not
 * lost: the job waits in the queue.
 */
@Injectable()
export class MaintenanceWorker {
  private readonly logger = new Logger('Maintenance');

  constructor(
    private readonly imports: ImportsStore,
    private readonly sessions: SessionsStore,
  ) {}

  /** 03:00 Berlin time, whatever the servers' time zone, summer and winter. */
  @Recurring('nightly-cleanup', CronExpression.EVERY_DAY_AT_3AM, {
    tz: 'Europe/Berlin',
    data: { trigger: 'cron' } satisfies MaintenanceRun,
  })
  async nightlyCleanup(job: Job<MaintenanceRun>) {
    const purged = this.imports.purgeFinished(SEVEN_DAYS_MS);
    this.logger.log(`nightly-cleanup (${job.data.trigger}): purged ${purged} finished import(s) older than 7 days`);
    return { purged };
  }

  /** Every minute: a newcomer sees it fire within a minute of starting the sample. */
  @Recurring('sessions-sweep', '* * * * *', { data: { trigger: 'cron' } satisfies MaintenanceRun })
  async sweepSessions(job: Job<MaintenanceRun>) {
    const deleted = this.sessions.deleteExpired();
    this.logger.log(
      `sessions-sweep (${job.data.trigger}): deleted ${deleted} expired session(s), ${this.sessions.size} left`,
    );
    return { deleted };
  }
}
