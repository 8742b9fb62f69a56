// Compile-time checks, run by `npm run typecheck`: every @ts-expect-error below must be an error,
// or tsc fails with "Unused '@ts-expect-error' directive".
import { z } from 'zod';
import { defineJob, flowStep, JobHandler, type Job, type JobsService } from '../../lib/index.js';

const WelcomeEmail = defineJob<{ userId: string }>('welcome-email');
const Parsed = defineJob('parsed', { schema: z.object({ count: z.coerce.number() }) });

export async function sends(jobs: JobsService) {
  await jobs.send(WelcomeEmail, { userId: 'u1' });
  // @ts-expect-error wrong property type
  await jobs.send(WelcomeEmail, { userId: 42 });
  // @ts-expect-error missing property
  await jobs.send(WelcomeEmail, {});
  // @ts-expect-error unknown property
  await jobs.send(WelcomeEmail, { userId: 'u1', extra: true });
  await jobs.sendMany(WelcomeEmail, [{ data: { userId: 'u1' } }]);
  // @ts-expect-error wrong payload in sendMany
  await jobs.sendMany(WelcomeEmail, [{ data: { user: 'u1' } }]);
  // schema definitions take the schema's input type
  await jobs.send(Parsed, { count: '3' as unknown });
}

export async function flows(jobs: JobsService) {
  await jobs.flow([
    flowStep('welcome', WelcomeEmail, { userId: 'u1' }),
    // @ts-expect-error wrong payload in a flow step
    flowStep('wrong', WelcomeEmail, { orderId: 1 }, { dependsOn: ['welcome'] }),
  ]);
}

export class Handlers {
  @JobHandler(WelcomeEmail)
  async good(job: Job<{ userId: string }>) {
    return job.data.userId;
  }

  // @ts-expect-error the handler expects another payload than the definition carries
  @JobHandler(WelcomeEmail)
  async wrong(job: Job<{ orderId: number }>) {
    return job.data.orderId;
  }

  @JobHandler(WelcomeEmail, { batchSize: 10 })
  async batch(jobs: Job<{ userId: string }>[]) {
    void jobs;
  }

  // @ts-expect-error a batch handler receives an array
  @JobHandler(WelcomeEmail, { batchSize: 10 })
  async notBatch(job: Job<{ userId: string }>) {
    void job;
  }

  // schema definitions hand the handler the schema's output type
  @JobHandler(Parsed)
  async parsed(job: Job<{ count: number }>) {
    return job.data.count + 1;
  }
}
