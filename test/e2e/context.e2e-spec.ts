import { Inject, Injectable, Logger, Scope, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { ContextIdFactory, REQUEST, type ContextId, type ContextIdStrategy, type HostComponentInfo } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobContext, JobHandler, JobLogger, JobsService, type Job } from '../../lib/index.js';
import { createApp, dropSchema, gate, uniqueSchema, waitFor } from '../support/e2e.js';

const Traced = defineJob<{ n: number }>('traced');
const Flaky = defineJob<{ n: number }>('flaky-context', { retryLimit: 1, retryDelay: 0 });
const Rows = defineJob<{ n: number }>('context-rows');
const Logged = defineJob<{ n: number }>('logged');
const Tenanted = defineJob<{ tenant: string; n: number }>('tenanted');

/** A plain singleton the handler calls: it has no job parameter, only the context. */
@Injectable()
class Audit {
  readonly entries: Array<{ n: number; jobId?: string; queue?: string; attempt?: number }> = [];
  constructor(private readonly context: JobContext) {}

  async record(n: number): Promise<void> {
    // Cross an await and a timer: the context must follow the job's own async chain.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const job = this.context.job;
    this.entries.push({ n, jobId: this.context.jobId, queue: this.context.queue, attempt: job?.attempt });
  }
}

@Injectable()
class ContextJobs {
  readonly release = gate();
  readonly batches: Array<{ single?: string; ids: string[] }> = [];
  private readonly logger = new JobLogger('ContextJobs');

  constructor(
    private readonly audit: Audit,
    private readonly context: JobContext,
  ) {}

  @JobHandler(Traced, { concurrency: 4 })
  async traced(job: Job<{ n: number }>) {
    await this.release.promise; // all four run at once before any records
    await this.audit.record(job.data.n);
  }

  @JobHandler(Flaky)
  async flaky(job: Job<{ n: number }>) {
    await this.audit.record(job.data.n);
    if (job.attempt === 1) throw new Error('first attempt fails');
  }

  @JobHandler(Rows, { batchSize: 5 })
  async rows(jobs: Job<{ n: number }>[]) {
    this.batches.push({ single: this.context.jobId, ids: (this.context.jobs ?? []).map((j) => j.id) });
    return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
  }

  @JobHandler(Logged)
  async logged(job: Job<{ n: number }>) {
    this.logger.log(`handling ${job.data.n}`);
  }
}

// A tenant-per-job ContextIdStrategy, as a multi-tenant app would write for HTTP requests.
class TenantStrategy implements ContextIdStrategy {
  private readonly tenants = new Map<string, ContextId>();
  attach(contextId: ContextId, request: unknown) {
    const tenant = (request as Partial<Job<{ tenant?: string }>>)?.data?.tenant;
    if (!tenant) return () => contextId;
    let tenantId = this.tenants.get(tenant);
    if (!tenantId) {
      tenantId = ContextIdFactory.create();
      this.tenants.set(tenant, tenantId);
    }
    const durableId = tenantId;
    return {
      resolve: (info: HostComponentInfo) => (info.isTreeDurable ? durableId : contextId),
      payload: { tenant },
    };
  }
}

@Injectable({ scope: Scope.REQUEST, durable: true })
class TenantConfig {
  static instances = new Set<TenantConfig>();
  constructor(@Inject(REQUEST) readonly payload: { tenant: string }) {
    TenantConfig.instances.add(this);
  }
}

@Injectable()
class TenantJobs {
  static seen: Array<{ tenant: string; configTenant: string; config: TenantConfig }> = [];
  constructor(private readonly config: TenantConfig) {}

  @JobHandler(Tenanted)
  async run(job: Job<{ tenant: string; n: number }>) {
    TenantJobs.seen.push({ tenant: job.data.tenant, configTenant: this.config.payload.tenant, config: this.config });
  }
}

describe('Job context', () => {
  const schema = uniqueSchema('context');
  let app: INestApplicationContext;
  let jobs: JobsService;

  beforeAll(async () => {
    ContextIdFactory.apply(new TenantStrategy());
    app = await createApp(schema, { providers: [Audit, ContextJobs, TenantJobs, TenantConfig] });
    jobs = app.get(JobsService);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
    (ContextIdFactory as unknown as { strategy?: ContextIdStrategy }).strategy = undefined;
  });

  it('gives code the handler calls the current job, each concurrent job its own', async () => {
    const audit = app.get(Audit);
    const ids = await jobs.sendMany(Traced, [1, 2, 3, 4].map((n) => ({ data: { n } })));
    const handler = app.get(ContextJobs);
    await waitFor(async () => (await jobs.getQueueCounts(Traced)).active === 4, { message: 'four active jobs' });
    handler.release.open();
    await waitFor(() => audit.entries.filter((e) => e.queue === 'traced').length === 4, { message: 'four audit entries' });
    const entries = audit.entries.filter((e) => e.queue === 'traced').sort((a, b) => a.n - b.n);
    expect(entries.map((e) => e.jobId)).toEqual(ids);
    expect(entries.every((e) => e.attempt === 1)).toBe(true);
  });

  it('reports the attempt of a retried job', async () => {
    const audit = app.get(Audit);
    const id = await jobs.send(Flaky, { n: 7 });
    await waitFor(async () => (await jobs.getJob(Flaky, id!))?.state === 'completed', { message: 'flaky job completed' });
    const attempts = audit.entries.filter((e) => e.jobId === id).map((e) => e.attempt);
    expect(attempts).toEqual([1, 2]);
  });

  it('is empty outside a handler', () => {
    const context = app.get(JobContext);
    expect(context.job).toBeUndefined();
    expect(context.jobs).toBeUndefined();
    expect(context.active).toBe(false);
    expect(JobContext.current()).toBeUndefined();
  });

  it('holds the whole batch in a batch handler, and no single job', async () => {
    const handler = app.get(ContextJobs);
    const ids = await jobs.sendMany(Rows, [1, 2, 3].map((n) => ({ data: { n } })));
    await waitFor(() => handler.batches.flatMap((b) => b.ids).length === 3, { message: 'three batched jobs' });
    expect(handler.batches.every((b) => b.single === undefined)).toBe(true);
    expect(handler.batches.flatMap((b) => b.ids).sort()).toEqual([...ids].sort());
  });

  it('prefixes JobLogger lines with the queue, job id and attempt', async () => {
    const lines: string[] = [];
    const capture: LoggerService = { log: (message) => lines.push(String(message)), error: () => {}, warn: () => {} };
    Logger.overrideLogger(capture);
    try {
      const id = await jobs.send(Logged, { n: 3 });
      await waitFor(() => lines.some((l) => l.includes('handling 3')), { message: 'the handler log line' });
      expect(lines.find((l) => l.includes('handling 3'))).toBe(`[logged ${id} #1] handling 3`);
      new JobLogger('Outside').log('no job here');
      expect(lines).toContain('no job here');
    } finally {
      Logger.overrideLogger(false);
    }
  });

  it("resolves durable providers through the app's ContextIdStrategy, with the job as the request", async () => {
    await jobs.sendMany(
      Tenanted,
      ['acme', 'globex', 'acme', 'globex', 'acme'].map((tenant, n) => ({ data: { tenant, n } })),
    );
    await waitFor(() => TenantJobs.seen.length === 5, { message: 'five tenant jobs' });
    // One durable instance per tenant, shared by that tenant's jobs, built with the tenant payload.
    expect(TenantConfig.instances.size).toBe(2);
    for (const seen of TenantJobs.seen) expect(seen.configTenant).toBe(seen.tenant);
    const acme = new Set(TenantJobs.seen.filter((s) => s.tenant === 'acme').map((s) => s.config));
    expect(acme.size).toBe(1);
  });
});
