import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PgBoss } from 'pg-boss';
import { defineJob, JobHandler, JobsService, PG_BOSS, Recurring, type Job } from '../../lib/index.js';
import { createApp, schemasDroppedAfterAll, waitFor } from '../support/e2e.js';

// What the module asks pg-boss to do, pinned at the boundary: the queue name and options of every
// work(), createQueue(), updateQueue() and schedule() call. The spies keep pg-boss's own
// implementation, so the apps run against the real database.

/** createQueue options of a queue that declares nothing: pg-boss's defaults, with notify on (LISTEN/NOTIFY). */
const QUEUE_DEFAULTS = {
  retryLimit: 2,
  retryDelay: 0,
  retryBackoff: false,
  expireInSeconds: 900,
  retentionSeconds: 1_209_600,
  deleteAfterSeconds: 604_800,
  notify: true,
};

/** work() options of one concurrency slot of a handler that declares nothing. */
const WORK_DEFAULTS = {
  localConcurrency: 1,
  batchSize: 1,
  pollingIntervalSeconds: 1,
  notifyPollingIntervalSeconds: 1,
  includeMetadata: true,
  perJobResults: true,
};

const Plain = defineJob<{ n: number }>('plain');

const Report = defineJob<{ n: number }>('report', {
  retryLimit: 5,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 60,
  deadLetter: 'report.dead',
});

const ImportRow = defineJob<{ n: number }>('import-row');
const TenantExport = defineJob<{ n: number }>('tenant-export');
const Strict = defineJob<{ n: number }>('strict-order');
const Limited = defineJob<{ n: number }>('rate-limited', { rateLimit: { max: 10_000, perSeconds: 1 } });
const Nightly = defineJob<{ region?: string }>('nightly-report', { retryLimit: 1 });

@Injectable()
class BoundaryJobs {
  readonly done = new Map<string, number>();
  private count(queue: string, n = 1) {
    this.done.set(queue, (this.done.get(queue) ?? 0) + n);
  }

  @JobHandler(Plain)
  async plain() {
    this.count('plain');
  }

  // Queue options from the definition and the decorator (the decorator wins on retryLimit).
  @JobHandler(Report, {
    concurrency: 3,
    retryLimit: 4,
    expireInSeconds: 120,
    heartbeatSeconds: 30,
    heartbeatRefreshSeconds: 10,
    minPriority: 1,
    maxPriority: 9,
    pollingIntervalSeconds: 2,
  })
  async report() {}

  @JobHandler(ImportRow, { batchSize: 10, concurrency: 2 })
  async importRows(jobs: Job<{ n: number }>[]) {
    this.count('import-row', jobs.length);
  }

  @JobHandler(TenantExport, { concurrency: 4, localGroupConcurrency: 2 })
  async tenantExport() {}

  @JobHandler(Strict, { concurrency: 2, adaptiveBatching: false })
  async strict() {
    this.count('strict-order');
  }

  @JobHandler(Limited, { concurrency: 2 })
  async limited() {
    this.count('rate-limited');
  }

  @Recurring(Nightly, '0 3 * * *', { key: 'eu', tz: 'Europe/Berlin', data: { region: 'eu' } })
  @Recurring(Nightly, '30 4 * * 1')
  async nightly() {}
}

const Invoice = defineJob<{ n: number }>('invoice');

@Injectable()
class InvoiceJobsV1 {
  @JobHandler(Invoice, { retryLimit: 3, retryDelay: 10, warningQueueSize: 50 })
  async run() {}
}

@Injectable()
class InvoiceJobsV2 {
  @JobHandler(Invoice, { retryLimit: 5, expireInSeconds: 60, deadLetter: 'invoice.dead' })
  async run() {}
}

type Spy = { mock: { calls: unknown[][]; contexts: unknown[] } };

/** The calls a spy on PgBoss.prototype saw on one PgBoss, as [queue, ...arguments] copies. */
function callsOn(spy: Spy, boss: PgBoss): unknown[][] {
  return spy.mock.calls.filter((_, i) => spy.mock.contexts[i] === boss).map((args) => [...args]);
}

/** work() calls as [queue, options]: the third argument is the module's callback. */
function workCalls(spy: Spy, boss: PgBoss, queue?: string): [unknown, unknown][] {
  return callsOn(spy, boss)
    .filter(([name]) => queue === undefined || name === queue)
    .map(([name, options]) => [name, options]);
}

describe('what the module asks pg-boss to do', () => {
  const schema = schemasDroppedAfterAll();
  const work = jest.spyOn(PgBoss.prototype, 'work');
  const createQueue = jest.spyOn(PgBoss.prototype, 'createQueue');
  const updateQueue = jest.spyOn(PgBoss.prototype, 'updateQueue');
  const schedule = jest.spyOn(PgBoss.prototype, 'schedule');

  afterAll(() => {
    jest.restoreAllMocks();
  });

  describe('one app with several declarations, on a fresh schema', () => {
    let app: INestApplicationContext;
    let boss: PgBoss;
    // Copies of the calls made by init (onModuleInit and onApplicationBootstrap), before any job is
    // sent: an adapting slot starts more work() calls later, once it has run jobs (lib/worker/worker.slot.ts).
    let atBootstrap: { work: [unknown, unknown][]; createQueue: unknown[][]; updateQueue: unknown[][]; schedule: unknown[][] };

    beforeAll(async () => {
      app = await createApp(schema('boundary'), { providers: [BoundaryJobs] });
      boss = app.get<PgBoss>(PG_BOSS);
      atBootstrap = {
        work: workCalls(work, boss),
        createQueue: callsOn(createQueue, boss),
        updateQueue: callsOn(updateQueue, boss),
        schedule: callsOn(schedule, boss),
      };
    });

    afterAll(async () => {
      await app?.close();
    });

    const bootstrapWork = (queue: string) => atBootstrap.work.filter(([name]) => name === queue);
    const created = (queue: string) => atBootstrap.createQueue.filter(([name]) => name === queue);

    it('default handler: one work() with batch size 1 and the module defaults, createQueue with pg-boss defaults and notify', () => {
      expect(bootstrapWork('plain')).toEqual([
        [
          'plain',
          {
            localConcurrency: 1,
            batchSize: 1,
            pollingIntervalSeconds: 1,
            notifyPollingIntervalSeconds: 1,
            includeMetadata: true,
            perJobResults: true,
          },
        ],
      ]);
      expect(created('plain')).toEqual([
        [
          'plain',
          {
            retryLimit: 2,
            retryDelay: 0,
            retryBackoff: false,
            expireInSeconds: 900,
            retentionSeconds: 1_209_600,
            deleteAfterSeconds: 604_800,
            notify: true,
          },
        ],
      ]);
    });

    it('concurrency 3 with retry, timeout, heartbeat and priority options: three work() calls, createQueue merges definition and decorator', () => {
      const slot = {
        ...WORK_DEFAULTS,
        pollingIntervalSeconds: 2,
        notifyPollingIntervalSeconds: 2,
        minPriority: 1,
        maxPriority: 9,
        heartbeatRefreshSeconds: 10,
      };
      expect(bootstrapWork('report')).toEqual([
        ['report', slot],
        ['report', slot],
        ['report', slot],
      ]);
      expect(created('report')).toEqual([
        [
          'report',
          {
            retryLimit: 4,
            retryDelay: 2,
            retryBackoff: true,
            retryDelayMax: 60,
            expireInSeconds: 120,
            retentionSeconds: 1_209_600,
            deleteAfterSeconds: 604_800,
            heartbeatSeconds: 30,
            deadLetter: 'report.dead',
            notify: true,
          },
        ],
      ]);
    });

    it('dead-letter queue: created with the defaults, before the queue that names it; no work() for it', () => {
      expect(created('report.dead')).toEqual([['report.dead', QUEUE_DEFAULTS]]);
      const order = atBootstrap.createQueue.map(([name]) => name);
      expect(order.indexOf('report.dead')).toBeLessThan(order.indexOf('report'));
      expect(bootstrapWork('report.dead')).toEqual([]);
    });

    it('batch handler (batchSize 10, concurrency 2): two work() calls of batch size 10 with burstWhenBatchFull', () => {
      const slot = { ...WORK_DEFAULTS, batchSize: 10, burstWhenBatchFull: true };
      expect(bootstrapWork('import-row')).toEqual([
        ['import-row', slot],
        ['import-row', slot],
      ]);
      expect(created('import-row')).toEqual([['import-row', QUEUE_DEFAULTS]]);
    });

    it('localGroupConcurrency 2 with concurrency 4: one work() with localConcurrency 4', () => {
      expect(bootstrapWork('tenant-export')).toEqual([
        ['tenant-export', { ...WORK_DEFAULTS, localConcurrency: 4, localGroupConcurrency: 2 }],
      ]);
      expect(created('tenant-export')).toEqual([['tenant-export', QUEUE_DEFAULTS]]);
    });

    it('adaptiveBatching false with concurrency 2: two work() calls of batch size 1, the same as an adapting handler at bootstrap', () => {
      expect(bootstrapWork('strict-order')).toEqual([
        ['strict-order', WORK_DEFAULTS],
        ['strict-order', WORK_DEFAULTS],
      ]);
      expect(created('strict-order')).toEqual([['strict-order', QUEUE_DEFAULTS]]);
    });

    it('rateLimit with concurrency 2: two work() calls of batch size 1, and a queue created without it (not a pg-boss option)', () => {
      expect(bootstrapWork('rate-limited')).toEqual([
        ['rate-limited', WORK_DEFAULTS],
        ['rate-limited', WORK_DEFAULTS],
      ]);
      expect(created('rate-limited')).toEqual([['rate-limited', QUEUE_DEFAULTS]]);
    });

    it('@Recurring stacked twice: one schedule() per decorator under the module key, one work() and createQueue for the queue', () => {
      expect(atBootstrap.schedule).toEqual([
        ['nightly-report', '0 3 * * *', { region: 'eu' }, { tz: 'Europe/Berlin', key: 'nest-pg-jobs.recurring/eu' }],
        // tz is passed as undefined here; toEqual treats it as absent.
        ['nightly-report', '30 4 * * 1', null, { key: 'nest-pg-jobs.recurring' }],
      ]);
      expect(bootstrapWork('nightly-report')).toEqual([['nightly-report', WORK_DEFAULTS]]);
      expect(created('nightly-report')).toEqual([['nightly-report', { ...QUEUE_DEFAULTS, retryLimit: 1 }]]);
    });

    it('on a fresh schema: one createQueue per declared queue, no updateQueue, and nothing else worked', () => {
      expect(atBootstrap.createQueue.map(([name]) => name).sort()).toEqual(
        ['import-row', 'nightly-report', 'plain', 'rate-limited', 'report', 'report.dead', 'strict-order', 'tenant-export'],
      );
      expect(atBootstrap.updateQueue).toEqual([]);
      expect(atBootstrap.work.map(([name]) => name).sort()).toEqual([
        'import-row',
        'import-row',
        'nightly-report',
        'plain',
        'rate-limited',
        'rate-limited',
        'report',
        'report',
        'report',
        'strict-order',
        'strict-order',
        'tenant-export',
      ]);
    });

    it('after jobs ran: an adapting slot adds work() calls that differ only in batch size (and burst above 1); adaptiveBatching false, rate-limited and batch handlers add none', async () => {
      const jobs = app.get(JobsService);
      const handler = app.get(BoundaryJobs);
      const many = Array.from({ length: 300 }, (_, n) => ({ data: { n } }));
      await jobs.sendMany(Plain, many);
      await jobs.sendMany(Strict, many);
      await jobs.sendMany(ImportRow, many);
      await jobs.sendMany(Limited, many);
      await waitFor(
        () => ['plain', 'strict-order', 'import-row', 'rate-limited'].every((queue) => handler.done.get(queue) === 300),
        { message: '300 jobs of each queue' },
      );
      // A quick handler's slot grows its batch size after its first full fetch: a new work() call.
      await waitFor(() => workCalls(work, boss, 'plain').length > 1, { message: 'a later work() call for "plain"' });

      const later = workCalls(work, boss, 'plain').slice(bootstrapWork('plain').length);
      for (const [, options] of later) {
        const size = (options as { batchSize: number }).batchSize;
        expect(size).toBeGreaterThanOrEqual(1);
        expect(size).toBeLessThanOrEqual(200);
        expect(options).toEqual({ ...WORK_DEFAULTS, batchSize: size, ...(size > 1 ? { burstWhenBatchFull: true } : {}) });
      }
      expect(later.some(([, options]) => (options as { batchSize: number }).batchSize > 1)).toBe(true);
      expect(workCalls(work, boss, 'strict-order')).toEqual(bootstrapWork('strict-order'));
      expect(workCalls(work, boss, 'import-row')).toEqual(bootstrapWork('import-row'));
      expect(workCalls(work, boss, 'rate-limited')).toEqual(bootstrapWork('rate-limited'));
    });
  });

  describe('a queue option changed between two bootstraps on one schema', () => {
    it('createQueue on the first bootstrap, updateQueue with exactly the changed options on the second, nothing on a third', async () => {
      const s = schema('update');
      const first = await createApp(s, { providers: [InvoiceJobsV1] });
      const boss1 = first.get<PgBoss>(PG_BOSS);
      await first.close();
      expect(callsOn(createQueue, boss1)).toEqual([
        ['invoice', { ...QUEUE_DEFAULTS, retryLimit: 3, retryDelay: 10, warningQueueSize: 50 }],
      ]);
      expect(callsOn(updateQueue, boss1)).toEqual([]);

      // Second bootstrap: retryLimit changed, retryDelay dropped (back to pg-boss's 0), expireInSeconds
      // and deadLetter added, warningQueueSize dropped (pg-boss cannot unset it: not sent).
      const second = await createApp(s, { providers: [InvoiceJobsV2] });
      const boss2 = second.get<PgBoss>(PG_BOSS);
      await second.close();
      expect(callsOn(createQueue, boss2)).toEqual([['invoice.dead', QUEUE_DEFAULTS]]);
      expect(callsOn(updateQueue, boss2)).toEqual([
        ['invoice', { retryLimit: 5, retryDelay: 0, expireInSeconds: 60, deadLetter: 'invoice.dead' }],
      ]);
      expect(callsOn(work, boss2).map(([name, options]) => [name, options])).toEqual([['invoice', WORK_DEFAULTS]]);

      // Third bootstrap with the same declaration: nothing to create or update.
      const third = await createApp(s, { providers: [InvoiceJobsV2] });
      const boss3 = third.get<PgBoss>(PG_BOSS);
      await third.close();
      expect(callsOn(createQueue, boss3)).toEqual([]);
      expect(callsOn(updateQueue, boss3)).toEqual([]);
    });
  });
});
