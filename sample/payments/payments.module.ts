import { Module } from '@nestjs/common';
import { FakePaymentApi } from './fake-payment.api.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';
import { PaymentsWorker } from './payments.worker.js';

@Module({
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentsWorker, FakePaymentApi],
})
export class PaymentsModule {}
