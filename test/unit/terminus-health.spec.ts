// nest-pg-jobs/terminus without a database: JobsHealthIndicator over a JobsRegistry and a fake
// JobsBackend (what it reports for each module and worker state, its limits, its timeout when a read
// never answers), its option checks, and the indicator in the testing kit.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { describe, expect, it, jest } from '@jest/globals';
import { defineJob, JobHandler, JobsConfigurationError, JobsService, type Job } from '../../lib/index.js';
import { JobsTestingModule } from '../../lib/testing/index.js';
import { JobsHealthIndicator, type JobsHealthOptions } from '../../lib/terminus/index.js';
import { JobsRegistry } from '../../lib/runtime/jobs.registry.js';
import type { JobsBackend, QueueBacklog } from '../../lib/backend/jobs-backend.js';
import type { DeclaredQueue } from '../../lib/declare/declared-queues.js';

const WelcomeEmail = defineJob<{ userId: string }>('welcome-email', { deadLetter: 'welcome-email.dead' });
const Thumbnail = defineJob<{ imageId: string }>('thumbnail');

const declared = (name: string, deadLetter?: string): DeclaredQueue => ({
  name,
  options: deadLetter ? { deadLetter } : {},
  declaredBy: 'test',
  managed: true,
});

function runningRegistry(workers: 'running' | 'disabled' = 'running'): JobsRegistry {
  const registry = new JobsRegistry();
  registry.markStarting();
  registry.setHandlers([], [declared('welcome-email', 'welcome-email.dead'), declared('welcome-email.dead'), declared('thumbnail')]);
  registry.markRunning();
  registry.markWorkers(workers);
  return registry;
}

function fakeBackend(backlog: Partial<QueueBacklog> = {}) {
  return {
    ping: jest.fn(async () => undefined),
    getQueueBacklog: jest.fn(async (_queue: string) => ({ queued: 0, oldestWaitingSeconds: 0, dead: 0, ...backlog })),
  };
}

function indicator(registry: JobsRegistry, backend: Partial<JobsBackend>) {
  return new JobsHealthIndicator(new HealthIndicatorService(), registry, backend as JobsBackend);
}

describe('JobsHealthIndicator', () => {
  it('is up with the module running, the database answering and every queue within its limits', async () => {
    const backend = fakeBackend({ queued: 3, oldestWaitingSeconds: 2, dead: 1 });
    const result = await indicator(runningRegistry(), backend).isHealthy('jobs', {
      queues: [{ queue: WelcomeEmail, maxQueued: 3, maxOldestWaitingSeconds: 2, maxDeadLettered: 1 }],
    });
    expect(result.jobs).toMatchObject({
      status: 'up',
      module: 'running',
      database: 'up',
      workers: 'running',
      queues: { 'welcome-email': { queued: 3, oldestWaitingSeconds: 2, deadLettered: 1 } },
    });
    expect(backend.getQueueBacklog).toHaveBeenCalledWith('welcome-email');
  });

  it('reads no queue when no limits are given', async () => {
    const backend = fakeBackend();
    const result = await indicator(runningRegistry(), backend).isHealthy('jobs');
    expect(result.jobs).toMatchObject({ status: 'up', database: 'up' });
    expect(result.jobs).not.toHaveProperty('queues');
    expect(backend.getQueueBacklog).not.toHaveBeenCalled();
  });

  it('names every limit a queue is over, and the failed part', async () => {
    const backend = fakeBackend({ queued: 1250, oldestWaitingSeconds: 95, dead: 12 });
    const result = await indicator(runningRegistry(), backend).isHealthy('jobs', {
      queues: [
        { queue: 'welcome-email', maxQueued: 1000, maxOldestWaitingSeconds: 60, maxDeadLettered: 10 },
        { queue: Thumbnail, maxQueued: 5000 },
      ],
    });
    expect(result.jobs).toMatchObject({
      status: 'down',
      failed: ['queues'],
      database: 'up',
      message:
        'queue "welcome-email": 1250 jobs waiting, over maxQueued 1000; ' +
        'queue "welcome-email": oldest due job waiting 95 s, over maxOldestWaitingSeconds 60; ' +
        'queue "welcome-email": 12 jobs in dead-letter queue "welcome-email.dead", over maxDeadLettered 10',
    });
  });

  it('is down with the start error while the module is starting, failed or shut down, and asks no database', async () => {
    const backend = fakeBackend();
    const registry = new JobsRegistry();
    const health = indicator(registry, backend);
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({ status: 'down', module: 'created', failed: ['module'] });
    registry.markStarting();
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({
      status: 'down',
      module: 'starting',
      message: 'JobsModule is starting: pg-boss and the queues are not ready yet',
    });
    registry.markFailed(new Error('connect ECONNREFUSED 127.0.0.1:1 (postgres://app:s3cret@db/app)'));
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({
      status: 'down',
      module: 'failed',
      message: 'JobsModule failed to start: connect ECONNREFUSED 127.0.0.1:1 (postgres://app:***@db/app)',
    });
    registry.markShutDown();
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({ status: 'down', module: 'shut-down' });
    expect(backend.ping).not.toHaveBeenCalled();
  });

  it('is down when workers are enabled but not running, and up with workers disabled', async () => {
    const registry = runningRegistry('disabled');
    const health = indicator(registry, fakeBackend());
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({ status: 'up', workers: 'disabled' });

    const stopping = runningRegistry('running');
    stopping.markWorkersStopped();
    expect((await indicator(stopping, fakeBackend()).isHealthy('jobs')).jobs).toMatchObject({
      status: 'down',
      workers: 'stopped',
      failed: ['workers'],
      database: 'up',
      message: expect.stringMatching(/workers are stopped/),
    });
  });

  it('answers down at timeoutMs when the database never answers, and does not queue a second ping meanwhile', async () => {
    // Every ping waits until the database answers (all connections busy, then one frees up).
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const backend = { ping: jest.fn(() => answered) };
    const health = indicator(runningRegistry(), backend);
    const started = performance.now();
    const first = (await health.isHealthy('jobs', { timeoutMs: 100 })).jobs;
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(first).toMatchObject({
      status: 'down',
      database: 'down',
      failed: ['database'],
      message: 'the database did not answer "SELECT 1" within 100 ms',
    });
    const second = (await health.isHealthy('jobs', { timeoutMs: 50 })).jobs;
    expect(second).toMatchObject({ status: 'down', database: 'down' });
    expect(backend.ping).toHaveBeenCalledTimes(1);

    answer();
    expect((await health.isHealthy('jobs')).jobs).toMatchObject({ status: 'up', database: 'up' });
  });

  it("reports the database's error when the ping fails", async () => {
    const backend = { ping: jest.fn(async () => Promise.reject(new Error('terminating connection due to administrator command'))) };
    expect((await indicator(runningRegistry(), backend).isHealthy('jobs')).jobs).toMatchObject({
      status: 'down',
      database: 'down',
      message: 'the database did not answer "SELECT 1": terminating connection due to administrator command',
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['options that are not an object', 1000, /the options must be an object/],
    ['an unknown option', { timeout: 1000 }, /unknown option "timeout"; the options are timeoutMs and queues/],
    ['a timeoutMs of 0', { timeoutMs: 0 }, /timeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 0/],
    ['a NaN timeoutMs', { timeoutMs: NaN }, /timeoutMs must be .*, got NaN/],
    ['queues that are not an array', { queues: { queue: 'thumbnail' } }, /queues must be an array/],
    ['an entry without a queue', { queues: [{ maxQueued: 1 }] }, /queues\[0\]\.queue must be a job definition \(defineJob\) or a queue name, got undefined/],
    ['a negative maxQueued', { queues: [{ queue: Thumbnail, maxQueued: -1 }] }, /queues\[0\] \(queue "thumbnail"\): maxQueued must be a whole number, 0 or more, got -1/],
    ['a NaN maxOldestWaitingSeconds', { queues: [{ queue: Thumbnail, maxOldestWaitingSeconds: NaN }] }, /maxOldestWaitingSeconds must be a number of seconds, 0 or more, got NaN/],
    ['a fractional maxDeadLettered', { queues: [{ queue: WelcomeEmail, maxDeadLettered: 1.5 }] }, /maxDeadLettered must be a whole number, 0 or more, got 1.5/],
    ['a misspelt limit', { queues: [{ queue: Thumbnail, maxQueue: 10 }] }, /queues\[0\] \(queue "thumbnail"\): unknown option "maxQueue"; the limits are maxQueued/],
    ['an entry with no limit', { queues: [{ queue: Thumbnail }] }, /queues\[0\] \(queue "thumbnail"\) sets no limit/],
    ['a queue named twice', { queues: [{ queue: Thumbnail, maxQueued: 1 }, { queue: 'thumbnail', maxOldestWaitingSeconds: 1 }] }, /queues\[1\] \(queue "thumbnail"\) names the same queue as queues\[0\]/],
    ['a queue the app does not declare', { queues: [{ queue: 'thumbnails', maxQueued: 1 }] }, /queues\[0\] \(queue "thumbnails"\) is not a queue this app declares \(declared: "welcome-email", "welcome-email.dead", "thumbnail"\)/],
    ['maxDeadLettered on a queue without a dead-letter queue', { queues: [{ queue: Thumbnail, maxDeadLettered: 0 }] }, /maxDeadLettered needs a dead-letter queue and "thumbnail" has none/],
  ])('refuses %s with a JobsConfigurationError saying what to change', (_name, options, message) => {
    const backend = fakeBackend();
    const health = indicator(runningRegistry(), backend);
    let thrown: unknown;
    try {
      void health.isHealthy('jobs', options as JobsHealthOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobsConfigurationError);
    expect((thrown as Error).message).toMatch(/^Invalid options for JobsHealthIndicator\.isHealthy: /);
    expect((thrown as Error).message).toMatch(message);
    expect(backend.ping).not.toHaveBeenCalled();
  });

  it('checks the queue names of an attempt built before the module knew its queues when it runs', async () => {
    const registry = new JobsRegistry();
    const health = indicator(registry, fakeBackend());
    const attempt = health.isHealthy('jobs', { queues: [{ queue: 'nope', maxQueued: 1 }] });
    registry.markStarting();
    registry.setHandlers([], [declared('thumbnail')]);
    registry.markRunning();
    registry.markWorkers('running');
    expect((await attempt).jobs).toMatchObject({
      status: 'down',
      failed: ['queues'],
      message: expect.stringMatching(/queues\[0\] \(queue "nope"\) is not a queue this app declares/),
    });
  });
});

@Injectable()
class EmailJobs {
  @JobHandler(WelcomeEmail)
  async sendWelcome(_job: Job<{ userId: string }>) {}
}

describe('JobsHealthIndicator in the testing kit', () => {
  it('reads the in-memory queues: up, then down once a queue is over its limit', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), TerminusModule],
      providers: [EmailJobs, JobsHealthIndicator],
    }).compile();
    await moduleRef.init();
    const health = moduleRef.get(JobsHealthIndicator);
    const options = { queues: [{ queue: WelcomeEmail, maxQueued: 1 }] };
    expect((await health.isHealthy('jobs', options)).jobs).toMatchObject({
      status: 'up',
      workers: 'running',
      queues: { 'welcome-email': { queued: 0, oldestWaitingSeconds: 0, deadLettered: 0 } },
    });
    const jobs = moduleRef.get(JobsService);
    await jobs.send(WelcomeEmail, { userId: '1' });
    await jobs.send(WelcomeEmail, { userId: '2' }, { startAfter: 3600 });
    expect((await health.isHealthy('jobs', options)).jobs).toMatchObject({
      status: 'down',
      message: 'queue "welcome-email": 2 jobs waiting, over maxQueued 1',
      queues: { 'welcome-email': { queued: 2, oldestWaitingSeconds: 0 } },
    });
    await moduleRef.close();
  });
});

/** The packages a source file imports, directly or through its relative imports, and the files it reaches. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)) {
      if (specifier!.startsWith('.')) pending.push(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      else packages.add(specifier!);
    }
  }
  return { files, packages };
}

describe('the optional peer @nestjs/terminus', () => {
  const lib = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');

  it.each(['index.ts', 'testing/index.ts'])('is not imported by lib/%s, nor by anything it imports', (entry) => {
    const { files, packages } = importGraph(resolve(lib, entry));
    expect(files.size).toBeGreaterThan(10);
    expect([...packages].filter((name) => name.startsWith('@nestjs/terminus'))).toEqual([]);
    expect([...files].filter((file) => file.startsWith(resolve(lib, 'terminus')))).toEqual([]);
  });

  it('is imported by lib/terminus/index.ts', () => {
    expect(importGraph(resolve(lib, 'terminus/index.ts')).packages).toContain('@nestjs/terminus');
  });
});
