// The storage boundary (issue 12): JobsService checks a call, resolves its definition, and then makes
// one call to its JobsBackend with what it checked. Nothing a check refuses reaches the backend.
import { describe, expect, it, jest } from '@jest/globals';
import { z } from 'zod';
import { defineJob, JobAbortedError, JobsConfigurationError, JobValidationError } from '../../lib/index.js';
import { JobsService } from '../../lib/runtime/jobs.service.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { JobsRegistry } from '../../lib/runtime/jobs.registry.js';
import type { JobsBackend } from '../../lib/backend/jobs-backend.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';

const Mail = defineJob('mail', { schema: z.object({ to: z.string().email() }) });
const ID = '3f1d2c4b-5a69-4e8f-9b0a-1c2d3e4f5a6b';

function service() {
  const registry = new JobsRegistry();
  registry.markStarting();
  registry.setHandlers([{ queue: 'mail', definition: Mail, queueOptions: {} } as unknown as RegisteredHandler], []);
  registry.markRunning();
  const backend = {
    previewSchedule: () => [new Date()],
    queues: jest.fn(async (..._args: unknown[]) => []),
    send: jest.fn(async (..._args: unknown[]) => 'job-id'),
    sendMany: jest.fn(async (..._args: unknown[]) => ['a', 'b']),
    flow: jest.fn(async (..._args: unknown[]) => ({ first: 'a' })),
    schedule: jest.fn(async (..._args: unknown[]) => undefined),
    cancel: jest.fn(async (..._args: unknown[]) => undefined),
    getJob: jest.fn(async (..._args: unknown[]) => null),
    findJobs: jest.fn(async (..._args: unknown[]) => []),
    redrive: jest.fn(async (..._args: unknown[]) => 2),
    pauseQueue: jest.fn(async (..._args: unknown[]) => undefined),
    resumeQueue: jest.fn(async (..._args: unknown[]) => undefined),
    isQueuePaused: jest.fn(async (..._args: unknown[]) => true),
  };
  const jobs = new JobsService(backend as unknown as JobsBackend, registry, new JobEventsBus());
  return { registry, backend, jobs };
}

describe('JobsService over a JobsBackend', () => {
  it('sends once checked, with the resolved definition, the payload and the options as given', async () => {
    const { backend, jobs } = service();
    const options = { priority: 3, startAfter: 10 };
    expect(await jobs.send('mail', { to: 'ada@example.com' }, options)).toBe('job-id');
    expect(backend.send).toHaveBeenCalledTimes(1);
    expect(backend.send).toHaveBeenCalledWith(Mail, { to: 'ada@example.com' }, options);
  });

  it('never calls the backend for a call its checks refuse', async () => {
    const { backend, jobs } = service();
    await expect(jobs.send(Mail, { to: 'nope' })).rejects.toBeInstanceOf(JobValidationError);
    await expect(jobs.sendMany(Mail, [{ data: { to: 'ada@example.com' } }, { data: { to: 'x' } }])).rejects.toBeInstanceOf(
      JobValidationError,
    );
    await expect(jobs.cancel(Mail, 'not-a-uuid')).rejects.toBeInstanceOf(JobValidationError);
    await expect(jobs.schedule(Mail, '0 8 * * *', { to: 'nope' })).rejects.toBeInstanceOf(JobValidationError);
    for (const method of [backend.send, backend.sendMany, backend.cancel, backend.schedule]) {
      expect(method).not.toHaveBeenCalled();
    }
  });

  it('passes sendMany, flow, getJob and redrive their resolved inputs', async () => {
    const { backend, jobs } = service();
    const db = { executeSql: async () => ({ rows: [] }) };
    await jobs.sendMany('mail', [{ data: { to: 'ada@example.com' } }], { db });
    expect(backend.sendMany).toHaveBeenCalledWith(Mail, [{ data: { to: 'ada@example.com' } }], db);
    expect(await jobs.sendMany(Mail, [])).toEqual([]);
    expect(backend.sendMany).toHaveBeenCalledTimes(1);
    const steps = [
      { ref: 'first', definition: 'mail', data: { to: 'ada@example.com' } },
      { ref: 'then', definition: Mail, data: { to: 'bob@example.com' }, dependsOn: ['first'] },
    ];
    await jobs.flow(steps);
    expect(backend.flow).toHaveBeenCalledWith(steps, [Mail, Mail], undefined);
    await jobs.getJob(Mail, ID);
    expect(backend.getJob).toHaveBeenCalledWith('mail', ID);
    expect(await jobs.redrive('mail', { limit: 5 })).toBe(2);
    expect(backend.redrive).toHaveBeenCalledWith('mail', { limit: 5 });
  });

  it('passes findJobs its options as given, state included, and never a state with queued', async () => {
    const { backend, jobs } = service();
    const options = { state: ['failed', 'retry'] as const, limit: 50, after: ID };
    expect(await jobs.findJobs(Mail, options)).toEqual([]);
    expect(backend.findJobs).toHaveBeenCalledWith('mail', options);
    await expect(jobs.findJobs(Mail, { state: 'failed', queued: true } as never)).rejects.toBeInstanceOf(JobValidationError);
    await expect(jobs.findJobs(Mail, { state: [] })).rejects.toBeInstanceOf(JobValidationError);
    expect(backend.findJobs).toHaveBeenCalledTimes(1);
  });

  it('aborts a job this instance runs once the backend cancelled it', async () => {
    const { registry, backend, jobs } = service();
    const abort = jest.fn();
    registry.setRunner('mail', { abort } as never);
    await jobs.cancel(Mail, [ID]);
    expect(backend.cancel).toHaveBeenCalledWith('mail', [ID]);
    expect(abort).toHaveBeenCalledWith(ID, expect.any(JobAbortedError));
  });

  it('pauses and resumes through the backend, then has this instance apply it before resolving', async () => {
    const { registry, backend, jobs } = service();
    const order: string[] = [];
    backend.pauseQueue.mockImplementation(async () => void order.push('stored'));
    registry.setPauseRefresh(async () => void order.push('applied'));
    await jobs.pauseQueue(Mail);
    expect(backend.pauseQueue).toHaveBeenCalledWith('mail');
    expect(order).toEqual(['stored', 'applied']);
    await jobs.resumeQueue('mail');
    expect(backend.resumeQueue).toHaveBeenCalledWith('mail');
    expect(await jobs.isQueuePaused(Mail)).toBe(true);
    expect(backend.isQueuePaused).toHaveBeenCalledWith('mail');
    await expect(jobs.pauseQueue('no spaces please')).rejects.toBeInstanceOf(JobsConfigurationError);
    expect(backend.pauseQueue).toHaveBeenCalledTimes(1);
  });
});
