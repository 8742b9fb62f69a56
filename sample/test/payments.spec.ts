// Unit tests of the payments feature, no database: JobsTestingModule replaces JobsModule.
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { JobsTestingModule, getJobsTester, type JobsTester } from 'nest-pg-jobs/testing';
import { FakePaymentApi } from '../payments/fake-payment.api.js';
import { CapturePayment } from '../payments/payments.jobs.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { PaymentsService } from '../payments/payments.service.js';

describe('payments', () => {
  let moduleRef: TestingModule;
  let tester: JobsTester;
  let payments: PaymentsService;
  const captured: string[] = [];

  beforeEach(async () => {
    captured.length = 0;
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), PaymentsModule],
    })
      // The real fake API sleeps ~200 ms a call; the tests only need its answer.
      .overrideProvider(FakePaymentApi)
      .useValue({
        capture: async (orderId: string, amountCents: number, signal?: AbortSignal) => {
          signal?.throwIfAborted();
          captured.push(orderId);
          return { captureId: `cap_${orderId}`, amountCents, replayed: false };
        },
      })
      .compile();
    await moduleRef.init();
    tester = getJobsTester(moduleRef);
    payments = moduleRef.get(PaymentsService);
  });
  afterEach(() => moduleRef.close());

  it('queues the capture at high priority, keyed by order', async () => {
    const result = await payments.requestCapture('order-42', 1999);
    expect(result.status).toBe('queued');
    const job = tester.expectEnqueued(
      CapturePayment,
      { orderId: 'order-42', amountCents: 1999 },
      { priority: 10, singletonKey: 'capture:order-42', count: 1 },
    );
    expect(result).toEqual({ orderId: 'order-42', status: 'queued', jobId: job.id });
  });

  it('ignores a double submit while the first capture is queued (exclusive policy)', async () => {
    await payments.requestCapture('order-42', 1999);
    expect(await payments.requestCapture('order-42', 1999)).toEqual({ orderId: 'order-42', status: 'already-queued' });
    tester.expectEnqueued(CapturePayment, { orderId: 'order-42' }, { count: 1 });
  });

  it('captures through the worker when the queue is drained', async () => {
    await payments.requestCapture('order-1', 500);
    await payments.requestCapture('order-2', 700);
    const summary = await tester.drain(CapturePayment);
    expect(summary).toMatchObject({ completed: 2, failed: 0 });
    expect(captured).toEqual(['order-1', 'order-2']);
    expect(tester.jobs(CapturePayment).map((job) => job.output)).toEqual([
      { captureId: 'cap_order-1', amountCents: 500, replayed: false },
      { captureId: 'cap_order-2', amountCents: 700, replayed: false },
    ]);
  });

  it('stops the API call when the job is aborted (timeout, cancel or shutdown)', async () => {
    const job = tester.performJob(CapturePayment, { orderId: 'order-9', amountCents: 1 }, { signal: AbortSignal.abort() });
    await expect(job).rejects.toThrow('This operation was aborted');
    expect(captured).toEqual([]);
  });
});
