// Issue 15, section 1: event-driven jobs. defineEvent + JobsService.publish + @JobHandler({ subscribe }),
// on pg-boss's subscriptions, against a real server.
import { Injectable } from '@nestjs/common';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { defineEvent, defineJob, fromPg, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { createApp, databaseUrl, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

const UserSignedUp = defineEvent<{ userId: string }>('user.signed-up');
const WelcomeEmail = defineJob<{ userId: string }>('welcome-email');
const CrmSync = defineJob<{ userId: string }>('crm-sync');
const Audit = defineJob<{ userId: string }>('audit');

const runs: Array<{ queue: string; userId: string }> = [];

@Injectable()
class SignUpJobs {
  @JobHandler(WelcomeEmail, { subscribe: [UserSignedUp] })
  async welcome(job: Job<{ userId: string }>) {
    runs.push({ queue: job.name, userId: job.data.userId });
  }

  @JobHandler(CrmSync, { subscribe: [UserSignedUp] })
  async crm(job: Job<{ userId: string }>) {
    runs.push({ queue: job.name, userId: job.data.userId });
  }

  /** Not subscribed: a publish sends it nothing. */
  @JobHandler(Audit)
  async audit(job: Job<{ userId: string }>) {
    runs.push({ queue: job.name, userId: job.data.userId });
  }
}

/** The same app after a deploy that dropped the CRM's subscription. */
@Injectable()
class SignUpJobsWithoutCrm {
  @JobHandler(WelcomeEmail, { subscribe: [UserSignedUp] })
  async welcome(job: Job<{ userId: string }>) {
    runs.push({ queue: job.name, userId: job.data.userId });
  }

  @JobHandler(CrmSync)
  async crm(job: Job<{ userId: string }>) {
    runs.push({ queue: job.name, userId: job.data.userId });
  }
}

const runsOf = (userId: string) => runs.filter((run) => run.userId === userId).map((run) => run.queue).sort();

describe('event-driven jobs: publish fans out to the subscribed queues', () => {
  const schemas = schemasDroppedAfterAll();
  const schema = schemas('events');
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  afterAll(() => pool.end());

  it('runs each subscribed queue once per publish, and sends nothing to a queue that does not subscribe', async () => {
    const lines: string[] = [];
    const app = await createApp(schema, {
      providers: [SignUpJobs],
      jobs: { logger: { log: (m: unknown) => void lines.push(String(m)), warn() {}, error() {} } },
    });
    expect(lines).toEqual(
      expect.arrayContaining(['Subscribed queue "crm-sync" to event "user.signed-up"', 'Subscribed queue "welcome-email" to event "user.signed-up"']),
    );
    const jobs = app.get(JobsService);
    const ids = await jobs.publish(UserSignedUp, { userId: 'u1' });
    expect(ids).toHaveLength(2);
    // Both jobs recorded as completed: each ran, and no second run is pending.
    await waitFor(
      async () => (await jobs.getQueueCounts(WelcomeEmail)).completed === 1 && (await jobs.getQueueCounts(CrmSync)).completed === 1,
      { message: 'both subscribed queues completed their job' },
    );
    expect(runsOf('u1')).toEqual(['crm-sync', 'welcome-email']);
    // Each job once, and the queue nobody subscribed got nothing.
    expect(await jobs.getQueueCounts(Audit)).toMatchObject({ queued: 0, active: 0, completed: 0 });
    // The ids are the jobs' ids, one in each subscribed queue.
    const found = await Promise.all([...ids.map((id) => jobs.getJob(WelcomeEmail, id)), ...ids.map((id) => jobs.getJob(CrmSync, id))]);
    expect(found.filter((job) => job !== null).map((job) => job!.name).sort()).toEqual(['crm-sync', 'welcome-email']);
    await app.close();
  });

  it('publishes inside the application transaction: a rollback sends nothing, a commit sends to every subscriber', async () => {
    const app = await createApp(schema, { providers: [SignUpJobs] });
    const jobs = app.get(JobsService);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const ids = await jobs.publish(UserSignedUp, { userId: 'rolled-back' }, { db: fromPg(client) });
      expect(ids).toHaveLength(2);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await jobs.publish(UserSignedUp, { userId: 'committed' }, { db: fromPg(client) });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await waitFor(() => runsOf('committed').length === 2, { message: 'the committed event ran in both queues' });
    const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".job WHERE data->>'userId' = 'rolled-back'`);
    expect(row?.n).toBe(0);
    expect(runsOf('rolled-back')).toEqual([]);
    await app.close();
  });

  it('removes a subscription no handler declares any more at the next bootstrap', async () => {
    const lines: string[] = [];
    const app = await createApp(schema, {
      providers: [SignUpJobsWithoutCrm],
      jobs: { logger: { log: (m: unknown) => void lines.push(String(m)), warn() {}, error() {} } },
    });
    expect(lines).toContain('Unsubscribed queue "crm-sync" from event "user.signed-up" (no handler declares it any more)');
    expect(await sql(`SELECT event, name FROM "${schema}".subscription ORDER BY name`)).toEqual([
      { event: 'user.signed-up', name: 'welcome-email' },
    ]);
    const ids = await app.get(JobsService).publish(UserSignedUp, { userId: 'u2' });
    expect(ids).toHaveLength(1);
    await waitFor(() => runsOf('u2').length === 1, { message: 'the one remaining subscriber ran' });
    expect(runsOf('u2')).toEqual(['welcome-email']);
    await app.close();
  });

  it('refuses an invalid payload before anything is written, and resolves with no ids when nothing subscribes', async () => {
    const app = await createApp(schemas('events_none'), { providers: [] });
    const jobs = app.get(JobsService);
    const Nobody = defineEvent<{ n: number }>('nobody.listens');
    expect(await jobs.publish(Nobody, { n: 1 })).toEqual([]);
    await expect(jobs.publish(Nobody, { n: 1n } as never)).rejects.toThrow(/Invalid payload for job "nobody\.listens" \(published event\)/);
    await expect(jobs.publish(WelcomeEmail as never, { userId: 'x' })).rejects.toThrow(
      /JobsService\.publish takes an event \(defineEvent\('name', \.\.\.\)\), got an object that is no event/,
    );
    await app.close();
  });
});
