import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, Recurring, type Job } from '../../lib/index.js';
import { createApp, databaseUrl, dropSchema, uniqueSchema, waitFor } from '../support/e2e.js';

const Work = defineJob<{ n: number }>('work');

/** Executions recorded across both instances of one test: [instance, job id]. */
const executions: Array<{ instance: string; id: string; at: number }> = [];

@Injectable()
class ClusterJobs {
  static counter = 0;
  readonly instance = `instance-${++ClusterJobs.counter}`;

  @JobHandler(Work, { concurrency: 4 })
  async work(job: Job<{ n: number }>) {
    executions.push({ instance: this.instance, id: job.id, at: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }

  @Recurring('every-minute', '* * * * *')
  async tick(job: Job) {
    executions.push({ instance: this.instance, id: job.id, at: Date.now() });
  }
}

describe('two instances on one database', () => {
  const schema = uniqueSchema('cluster');
  const apps: INestApplicationContext[] = [];
  // A 1 s cron pass (pg-boss's default is 30 s) so a tick is seen within the minute it is due.
  const start = () =>
    createApp(schema, {
      providers: [ClusterJobs],
      jobs: {
        connectionString: undefined,
        connection: { connectionString: databaseUrl(), cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
      },
    }).then((app) => (apps.push(app), app));

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await dropSchema(schema);
  });

  it('runs each job exactly once, spread over both instances', async () => {
    const [a, b] = [await start(), await start()];
    const ids = await a.get(JobsService).sendMany(Work, Array.from({ length: 400 }, (_, n) => ({ data: { n } })));
    const wanted = new Set(ids);
    await waitFor(() => executions.filter((e) => wanted.has(e.id)).length >= 400, {
      message: '400 executions',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await b.get(JobsService).getQueueCounts(Work)).completed === 400, {
      message: 'all 400 completed in the database',
    });
    const mine = executions.filter((e) => wanted.has(e.id));
    expect(mine).toHaveLength(400);
    expect(new Set(mine.map((e) => e.id)).size).toBe(400);
    const byInstance = new Set(mine.map((e) => e.instance));
    expect(byInstance.size).toBe(2);
  });

  it('fires a @Recurring tick once across both instances', async () => {
    const jobs = apps[0]!.get(JobsService);
    // The first tick is due within a minute of the schedule being written.
    const first = await waitFor(
      async () => (await jobs.findJobs('every-minute')).find((j) => j.state === 'completed'),
      { message: 'the first tick to run', timeoutMs: 75_000, intervalMs: 200 },
    );
    const tickMinute = Math.floor(first.createdOn.getTime() / 60_000);
    // Both instances run a cron pass every second. Watch them pass until the minute after the tick
    // has begun, so every pass that could have sent the same tick again has run.
    await waitFor(() => Date.now() >= (tickMinute + 1) * 60_000 + 2_000, {
      message: 'the tick minute to pass',
      timeoutMs: 65_000,
      intervalMs: 250,
    });
    const sameMinute = (await jobs.findJobs('every-minute')).filter(
      (j) => Math.floor(j.createdOn.getTime() / 60_000) === tickMinute,
    );
    expect(sameMinute).toHaveLength(1);
    expect(executions.filter((e) => e.id === first.id)).toHaveLength(1);
  }, 150_000);
});
