import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';

/** Thrown for an address the provider will never accept. */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
}

/**
 * Stands in for an e-mail provider's HTTP API. It is flaky on purpose: about 30% of calls fail
 * with a temporary error, and any address containing "bounce" is always rejected, so the sample
 * shows both retries that end well and jobs that end in the dead-letter queue.
 */
@Injectable()
export class FakeMailGateway {
  async send(message: { to: string; subject: string }, signal?: AbortSignal): Promise<{ messageId: string }> {
    await sleep(20 + Math.random() * 60, undefined, { signal });
    if (message.to.includes('bounce')) {
      throw new MailRejectedError(`550 mailbox unavailable: ${message.to}`);
    }
    if (Math.random() < 0.3) throw new Error('421 service busy, try again later');
    return { messageId: randomUUID() };
  }
}
