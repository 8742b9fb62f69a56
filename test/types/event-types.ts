// Compile-time checks of event-driven jobs (defineEvent, JobsService.publish, @JobHandler subscribe),
// run by `npm run typecheck`: every @ts-expect-error below must be an error, or tsc fails with
// "Unused '@ts-expect-error' directive".
import { z } from 'zod';
import { defineEvent, defineJob, JobHandler, type EventInput, type Job, type JobsService } from '../../lib/index.js';
import { same } from './same.js';

const UserSignedUp = defineEvent<{ userId: string }>('user.signed-up');
const OrderPaid = defineEvent('order.paid', { schema: z.object({ orderId: z.string(), cents: z.number().int() }) });
const WelcomeEmail = defineJob<{ userId: string }>('welcome-email');
const Receipt = defineJob<{ orderId: string; cents: number }>('receipt');
const Wide = defineJob<{ userId: string; plan?: string }>('wide');

same<EventInput<typeof UserSignedUp>, { userId: string }>(true);
same<EventInput<typeof OrderPaid>, { orderId: string; cents: number }>(true);

// @ts-expect-error a Date does not survive JSON: not a payload
defineEvent<{ at: Date }>('dated');

export class Handlers {
  @JobHandler(WelcomeEmail, { subscribe: [UserSignedUp] })
  async welcome(_job: Job<{ userId: string }>) {}

  // An event whose payload fits a wider job payload (an optional field more) is fine.
  @JobHandler(Wide, { subscribe: [UserSignedUp] })
  async wide(_job: Job<{ userId: string; plan?: string }>) {}

  @JobHandler(Receipt, { subscribe: [OrderPaid], batchSize: 10 })
  async receipts(_jobs: Job<{ orderId: string; cents: number }>[]) {}

  // @ts-expect-error the event's payload ({ userId }) is not the job's ({ orderId, cents })
  @JobHandler(Receipt, { subscribe: [UserSignedUp] })
  async wrong(_job: Job<{ orderId: string; cents: number }>) {}

  // @ts-expect-error subscribe takes events, not job definitions
  @JobHandler(WelcomeEmail, { subscribe: [WelcomeEmail] })
  async notAnEvent(_job: Job<{ userId: string }>) {}
}

export async function publishes(jobs: JobsService): Promise<void> {
  const ids: string[] = await jobs.publish(UserSignedUp, { userId: 'u1' });
  void ids;
  await jobs.publish(OrderPaid, { orderId: 'o1', cents: 100 });
  // @ts-expect-error wrong payload for the event
  await jobs.publish(UserSignedUp, { orderId: 'o1' });
  // @ts-expect-error publish takes an event, not a job definition
  await jobs.publish(WelcomeEmail, { userId: 'u1' });
}
