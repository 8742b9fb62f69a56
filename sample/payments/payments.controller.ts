import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { PaymentsService } from './payments.service.js';

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /** `POST /payments/:orderId/capture {"amountCents": 4999}` → 202, queued or already queued. */
  @Post(':orderId/capture')
  @HttpCode(202)
  capture(@Param('orderId') orderId: string, @Body() body: { amountCents?: number }) {
    return this.payments.requestCapture(orderId, Number.isInteger(body?.amountCents) ? body.amountCents! : 4999);
  }
}
