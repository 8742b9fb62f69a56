import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, type Job } from 'nest-pg-jobs';
import { FakePaymentApi } from './fake-payment.api.js';
import { CapturePayment, type CapturePaymentData } from './payments.jobs.js';

@Injectable()
export class PaymentsWorker {
  private readonly logger = new Logger('CapturePayment');

  constructor(private readonly api: FakePaymentApi) {}

  /** Network-bound, so several at once; `job.signal` aborts the call if the job times out. */
  @JobHandler(CapturePayment, { concurrency: 4 })
  async capture(job: Job<CapturePaymentData>) {
    const { orderId, amountCents } = job.data;
    const result = await this.api.capture(orderId, amountCents, job.signal);
    this.logger.log(
      `${orderId}: captured ${(amountCents / 100).toFixed(2)} EUR as ${result.captureId}` +
        (result.replayed ? ' (already captured earlier: provider replayed the result)' : ''),
    );
    return result;
  }
}
