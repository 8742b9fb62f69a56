import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';

/**
 * Stands in for a payment provider: slow (about 200 ms a call) and idempotent per order, as real
 * providers are with an idempotency key, so a capture that is retried after a timeout never
 * charges twice.
 */
@Injectable()
export class FakePaymentApi {
  private readonly captures = new Map<string, { captureId: string; amountCents: number }>();

  async capture(orderId: string, amountCents: number, signal?: AbortSignal) {
    await sleep(150 + Math.random() * 100, undefined, { signal });
    const existing = this.captures.get(orderId);
    if (existing) return { ...existing, replayed: true };
    const capture = { captureId: `cap_${randomUUID().slice(0, 8)}`, amountCents };
    this.captures.set(orderId, capture);
    return { ...capture, replayed: false };
  }
}
