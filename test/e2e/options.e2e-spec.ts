import { Injectable, type LoggerService } from '@nestjs/common';
import { CronExpression } from '@nestjs/schedule';
import { describe, expect, it } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { defineJob, JobHandler, JobsService, Recurring, RECURRING_SCHEDULE_KEY, type Job } from '../../lib/index.js';
import { createApp, databaseUrl, gate, schemasDroppedAfterAll, waitFor } from '../support/e2e.js';

const Urgent = defineJob<{ p: number }>('urgent');
const Tenant = defineJob<{ tenant: string; n: number }>('tenant');

@Injectable()
class FilteredJobs {
  readonly ran: number[] = [];
  @JobHandler(Urgent, { minPriority: 5 })
  async urgent(job: Job<{ p: number }>) {
    this.ran.push(job.data.p);
  }
}

@Injectable()
class TenantJobs {
  readonly running = new Map<string, number>();
  readonly maxPerTenant = new Map<string, number>();
  maxTotal = 0;
  done = 0;
  @JobHandler(Tenant, { concurrency: 4, localGroupConcurrency: 1 })
  async run(job: Job<{ tenant: string; n: number }>) {
    const t = job.data.tenant;
    this.running.set(t, (this.running.get(t) ?? 0) + 1);
    this.maxPerTenant.set(t, Math.max(this.maxPerTenant.get(t) ?? 0, this.running.get(t)!));
    this.maxTotal = Math.max(this.maxTotal, [...this.running.values()].reduce((a, b) => a + b, 0));
    await new Promise((resolve) => setTimeout(resolve, 80));
    this.running.set(t, this.running.get(t)! - 1);
    this.done++;
  }
}

const Shared = defineJob<{ tenant: string; n: number }>('shared');

@Injectable()
class SharedTenantJobs {
  readonly running = new Map<string, number>();
  readonly maxPerTenant = new Map<string, number>();
  total = 0;
  maxTotal = 0;
  done = 0;
  release = gate();
  @JobHandler(Shared, { concurrency: 4, localGroupConcurrency: 2 })
  async run(job: Job<{ tenant: string; n: number }>) {
    const t = job.data.tenant;
    this.running.set(t, (this.running.get(t) ?? 0) + 1);
    this.maxPerTenant.set(t, Math.max(this.maxPerTenant.get(t) ?? 0, this.running.get(t)!));
    this.maxTotal = Math.max(this.maxTotal, ++this.total);
    await this.release.promise;
    this.running.set(t, this.running.get(t)! - 1);
    this.total--;
    this.done++;
  }
}

const Busy = defineJob<{ n: number }>('busy-groups');

@Injectable()
class BusyGroupJobs {
  done = 0;
  @JobHandler(Busy, { concurrency: 4, localGroupConcurrency: 2 })
  async run() {
    this.done++;
  }
}

const Export = defineJob<{ tenant: string; hold: boolean }>('export');

@Injectable()
class ExportJobs {
  readonly release = gate();
  readonly finished: string[] = [];
  @JobHandler(Export, { concurrency: 2, groupConcurrency: 1 })
  async run(job: Job<{ tenant: string; hold: boolean }>) {
    if (job.data.hold) await this.release.promise;
    this.finished.push(`${job.data.tenant}:${job.data.hold ? 'held' : 'quick'}`);
  }
}

@Injectable()
class NestCronJobs {
  @Recurring('nightly', CronExpression.EVERY_DAY_AT_3AM, { tz: 'Europe/Berlin' })
  async nightly() {}
}

describe('handler and module options', () => {
  const schema = schemasDroppedAfterAll();

  it('only fetches jobs inside the handler priority range', async () => {
    const app = await createApp(schema('priority_filter'), { providers: [FilteredJobs] });
    const jobs = app.get(JobsService);
    const low = await jobs.send(Urgent, { p: 1 }, { priority: 1 });
    const high = await jobs.send(Urgent, { p: 9 }, { priority: 9 });
    await waitFor(async () => (await jobs.getJob(Urgent, high!))?.state === 'completed', { message: 'the urgent job' });
    // Let the worker fetch again after the urgent job: the low-priority one must still be waiting.
    const after = Date.now();
    await waitFor(() => (jobs.boss.getWipData().find((w) => w.name === 'urgent')?.lastFetchedOn ?? 0) > after, {
      message: 'another fetch by the worker',
    });
    expect((await jobs.getJob(Urgent, low!))?.state).toBe('created');
    expect(app.get(FilteredJobs).ran).toEqual([9]);
    await app.close();
  });

  it('never runs more than localGroupConcurrency jobs of one group at once in an instance', async () => {
    const app = await createApp(schema('local_groups'), { providers: [TenantJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(TenantJobs);
    const sends = [];
    for (let n = 0; n < 4; n++) {
      for (const tenant of ['acme', 'globex']) {
        sends.push(jobs.send(Tenant, { tenant, n }, { group: { id: tenant } }));
      }
    }
    await Promise.all(sends);
    await waitFor(() => handler.done === 8, { message: 'eight tenant jobs' });
    expect(handler.maxPerTenant.get('acme')).toBe(1);
    expect(handler.maxPerTenant.get('globex')).toBe(1);
    expect(handler.maxTotal).toBe(2);
    await app.close();
  });

  it('limits each group to localGroupConcurrency jobs across all the handler slots (limit 2, concurrency 4)', async () => {
    const app = await createApp(schema('local_groups_shared'), { providers: [SharedTenantJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(SharedTenantJobs);
    await jobs.sendMany(Shared, [
      ...Array.from({ length: 6 }, (_, n) => ({ data: { tenant: 'acme', n }, options: { group: { id: 'acme' } } })),
      { data: { tenant: 'globex', n: 0 }, options: { group: { id: 'globex' } } },
    ]);
    // Two acme jobs and the globex job run; the fourth slot is free, fetches again, and still
    // takes no third acme job.
    await waitFor(() => handler.total === 3, { message: 'three jobs running' });
    const after = Date.now();
    await waitFor(() => jobs.boss.getWipData().some((w) => w.name === 'shared' && (w.lastFetchedOn ?? 0) > after), {
      message: 'another fetch by the free slot',
    });
    expect(Object.fromEntries(handler.running)).toEqual({ acme: 2, globex: 1 });
    handler.release.open();
    await waitFor(() => handler.done === 7, { message: 'seven tenant jobs' });
    expect(Object.fromEntries(handler.maxPerTenant)).toEqual({ acme: 2, globex: 1 });
    expect(handler.maxTotal).toBe(3);
    await app.close();
  });

  it('keeps every slot of a localGroupConcurrency handler fetching right after each job, not once per poll', async () => {
    const app = await createApp(schema('local_groups_busy'), { providers: [BusyGroupJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(BusyGroupJobs);
    await jobs.sendMany(Busy, Array.from({ length: 200 }, (_, n) => ({ data: { n }, options: { group: { id: `g${n % 10}` } } })));
    // Four loops that each slept a polling interval (1 s) after a job would need about 50 s.
    await waitFor(() => handler.done === 200, { message: '200 jobs', timeoutMs: 20_000 });
    await app.close();
  });

  it('skips a group at its groupConcurrency limit in the database while other groups run', async () => {
    const app = await createApp(schema('db_groups'), { providers: [ExportJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(ExportJobs);
    const held = await jobs.send(Export, { tenant: 'acme', hold: true }, { group: { id: 'acme' } });
    await waitFor(async () => (await jobs.getJob(Export, held!))?.state === 'active', { message: 'acme to be busy' });
    const waiting = await jobs.send(Export, { tenant: 'acme', hold: false }, { group: { id: 'acme' } });
    const other = await jobs.send(Export, { tenant: 'globex', hold: false }, { group: { id: 'globex' } });
    await waitFor(async () => (await jobs.getJob(Export, other!))?.state === 'completed', { message: 'globex' });
    // The free worker fetched again after globex; acme's second job still waits for the first.
    const after = Date.now();
    await waitFor(() => jobs.boss.getWipData().some((w) => w.name === 'export' && (w.lastFetchedOn ?? 0) > after), {
      message: 'another fetch',
    });
    expect((await jobs.getJob(Export, waiting!))?.state).toBe('created');
    handler.release.open();
    await waitFor(async () => (await jobs.getJob(Export, waiting!))?.state === 'completed', { message: 'acme 2' });
    expect(handler.finished).toEqual(['globex:quick', 'acme:held', 'acme:quick']);
    await app.close();
  });

  it("accepts @nestjs/schedule's CronExpression values", async () => {
    const app = await createApp(schema('cron_enum'), { providers: [NestCronJobs] });
    const schedule = await app.get(JobsService).boss.getSchedule('nightly', RECURRING_SCHEDULE_KEY);
    expect(schedule).toMatchObject({ cron: CronExpression.EVERY_DAY_AT_3AM, timezone: 'Europe/Berlin' });
    await app.close();
  });

  it('uses an app-owned PgBoss: starts it, never stops it', async () => {
    const s = schema('owned');
    const boss = new PgBoss({ connectionString: databaseUrl(), schema: s });
    const app = await createApp(s, {
      providers: [FilteredJobs],
      jobs: { connectionString: undefined, boss, schema: s },
    });
    const jobs = app.get(JobsService);
    expect(jobs.boss).toBe(boss);
    const id = await jobs.send(Urgent, { p: 7 }, { priority: 7 });
    await waitFor(async () => (await jobs.getJob(Urgent, id!))?.state === 'completed', { message: 'the job' });
    await app.close();
    // Still running: the application, not the module, decides when it stops.
    expect(await boss.send('urgent', { p: 8 })).toEqual(expect.any(String));
    expect(boss.getWipData()).toHaveLength(0);
    await boss.stop({ graceful: false });
  });

  it('logs pg-boss error and warning events instead of crashing', async () => {
    const logged: string[] = [];
    const logger: LoggerService = {
      log() {},
      warn: (m: string, context?: string) => void logged.push(`warn [${context}] ${m}`),
      error: (m: string, stack?: string, context?: string) => void logged.push(`error [${context}] ${m} ${stack ? 'with stack' : ''}`),
    };
    const app = await createApp(schema('events'), { jobs: { logger } });
    const boss = app.get(JobsService).boss;
    // An EventEmitter with no 'error' listener throws; the module always listens.
    expect(() => boss.emit('error', new Error('connection reset'))).not.toThrow();
    boss.emit('warning', { message: 'slow query', data: {} });
    expect(logged).toEqual([
      'error [JobsModule] pg-boss error: connection reset with stack',
      'warn [JobsModule] pg-boss warning: slow query',
    ]);
    await app.close();
  });
});
