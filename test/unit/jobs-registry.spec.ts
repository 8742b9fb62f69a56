// The readiness rule JobsService applies through JobsRegistry: a call by queue name waits for the
// handlers (it cannot be matched to its definition before), a call with a definition object is
// checked at once and waits only to reach the database; a failed start rejects every call with the
// start error, and a closed module with JobsNotRunningError. No database: pg-boss is a fake.
import { describe, expect, it, jest } from '@jest/globals';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { defineJob, JobsNotRunningError, JobValidationError } from '../../lib/index.js';
import { JobsService } from '../../lib/runtime/jobs.service.js';
import { PgBossBackend } from '../../lib/backend/pg-boss/pg-boss.backend.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { JobsRegistry } from '../../lib/runtime/jobs.registry.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';

const Mail = defineJob('mail', { schema: z.object({ to: z.string().email() }) });

const mailHandler = {
  kind: 'single',
  owner: 'MailJobs.mail',
  definition: Mail,
  queue: 'mail',
  options: {},
  queueOptions: {},
  invoke: async () => undefined,
} as unknown as RegisteredHandler;

/** Whether `promise` is still pending once the queued microtasks and timers of this turn have run. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !settled;
}

function service(options: { initTimeoutMs?: number } = {}) {
  const registry = new JobsRegistry({ initTimeoutMs: 60_000, ...options });
  const send = jest.fn(async () => 'job-id');
  const boss = { send, insert: jest.fn(async () => []) } as unknown as PgBoss;
  const jobs = new JobsService(new PgBossBackend({ boss, owned: false }, 'pgboss'), registry, new JobEventsBus());
  return { registry, jobs, send };
}

describe('JobsRegistry readiness', () => {
  it('makes a send by queue name wait for the handlers, then checks it against its definition', async () => {
    const { registry, jobs, send } = service();
    const invalid = jobs.send('mail', { to: 'not-an-email' }).catch((e: unknown) => e);
    registry.markStarting();
    expect(await pending(invalid)).toBe(true);
    registry.setHandlers([mailHandler], []);
    registry.markRunning();
    expect(await invalid).toBeInstanceOf(JobValidationError);
    expect(send).not.toHaveBeenCalled();
  });

  it('checks a send with a definition at once, and holds a valid one until the module runs', async () => {
    const { registry, jobs, send } = service();
    registry.markStarting();
    await expect(jobs.send(Mail, { to: 'not-an-email' })).rejects.toBeInstanceOf(JobValidationError);
    const valid = jobs.send(Mail, { to: 'ada@example.com' });
    registry.setHandlers([mailHandler], []);
    expect(await pending(valid)).toBe(true);
    expect(send).not.toHaveBeenCalled();
    registry.markRunning();
    expect(await valid).toBe('job-id');
  });

  it('resolves whenResolved at once for definitions, or once the handlers are resolved', async () => {
    const registry = new JobsRegistry({ initTimeoutMs: 60_000 });
    await expect(registry.whenResolved(Mail)).resolves.toBeUndefined();
    await expect(registry.whenResolved()).resolves.toBeUndefined();
    registry.markStarting();
    expect(await pending(registry.whenResolved(Mail, 'mail'))).toBe(true);
    registry.setHandlers([mailHandler], []);
    await expect(registry.whenResolved('mail')).resolves.toBeUndefined();
    expect(registry.handlersResolved).toBe(true);
    expect(registry.handlers).toEqual([mailHandler]);
  });

  it('rejects every waiting and later call with the start error when the start failed', async () => {
    const { registry, jobs } = service();
    const byName = jobs.send('mail', { to: 'ada@example.com' }).catch((e: unknown) => e);
    const byDefinition = jobs.send(Mail, { to: 'ada@example.com' }).catch((e: unknown) => e);
    registry.markStarting();
    const failure = new Error('database refused');
    registry.markFailed(failure);
    expect(await byName).toBe(failure);
    expect(await byDefinition).toBe(failure);
    await expect(jobs.getQueue(Mail)).rejects.toBe(failure);
    expect(registry.state).toBe('failed');
    expect(registry.startError).toBe(failure);
  });

  it('rejects calls after shutdown with JobsNotRunningError (shut-down)', async () => {
    const { registry, jobs, send } = service();
    registry.markStarting();
    registry.setHandlers([mailHandler], []);
    registry.markRunning();
    registry.markShutDown();
    for (const call of [jobs.send(Mail, { to: 'ada@example.com' }), jobs.send('mail', { to: 'ada@example.com' })]) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobsNotRunningError);
      expect((error as JobsNotRunningError).reason).toBe('shut-down');
      expect((error as Error).message).toMatch(/^JobsModule is shut down: the application was closed/);
    }
    expect(send).not.toHaveBeenCalled();
  });

  it('fails a call waiting for an init that never began: after initTimeoutMs, or at shutdown', async () => {
    const late = new JobsRegistry({ initTimeoutMs: 30 });
    const error = await late.whenRunning().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsNotRunningError);
    expect((error as JobsNotRunningError).reason).toBe('not-started');
    expect((error as Error).message).toMatch(/^JobsModule has not started: this JobsService call waited 30 ms/);

    const closed = new JobsRegistry({ initTimeoutMs: 60_000 });
    const waiting = closed.whenRunning().catch((e: unknown) => e);
    closed.markShutDown();
    const shutDown = await waiting;
    expect(shutDown).toBeInstanceOf(JobsNotRunningError);
    expect((shutDown as JobsNotRunningError).reason).toBe('shut-down');
  });

  it('stops counting initTimeoutMs once init has begun', async () => {
    const registry = new JobsRegistry({ initTimeoutMs: 10 });
    const waiting = registry.whenRunning();
    registry.markStarting();
    expect(await pending(waiting)).toBe(true);
    registry.markRunning();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('keeps the runner of each queue and the schema', () => {
    const registry = new JobsRegistry({ schema: 'jobs_here' });
    const runner = {} as never;
    registry.setRunner('mail', runner);
    expect(registry.runner('mail')).toBe(runner);
    expect(registry.runner('other')).toBeUndefined();
    expect(registry.schema).toBe('jobs_here');
    expect(new JobsRegistry().schema).toBe('pgboss');
  });
});
