import { Injectable, Logger } from '@nestjs/common';
import { JobsService } from 'nest-pg-jobs';
import { CapturePayment } from './payments.jobs.js';

@Injectable()
export class PaymentsService {
  private readonly logger = new Logger('Payments');

  constructor(private readonly jobs: JobsService) {}

  /**
   * Queues the capture at high priority (ahead of e-mails and imports on a busy instance). The
   * singleton key makes a double submit harmless: the second `send` returns null.
   */
  async requestCapture(orderId: string, amountCents: number) {
    const jobId = await this.jobs.send(
      CapturePayment,
      { orderId, amountCents },
      { priority: 10, singletonKey: `capture:${orderId}` },
    );
    if (jobId === null) {
      this.logger.log(`capture of ${orderId} already queued; ignoring the duplicate request`);
      return { orderId, status: 'already-queued' as const };
    }
    return { orderId, status: 'queued' as const, jobId };
  }
}
