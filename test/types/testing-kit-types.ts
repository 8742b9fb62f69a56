// Compile-time checks of nest-pg-jobs/testing, run by `npm run typecheck`: every @ts-expect-error
// below must be an error, or tsc fails with "Unused '@ts-expect-error' directive".
import { z } from 'zod';
import { defineJob, type JobsService } from '../../lib/index.js';
import {
  expectEnqueuedInDatabase,
  waitForJob,
  type JobsApp,
  type JobsTester,
  type TestJob,
} from '../../lib/testing/index.js';
import { same } from './same.js';

const WelcomeEmail = defineJob<{ userId: string; email: string }>('welcome-email');
const Invoice = defineJob<{ orderId: string }, { total: number }>('invoice');
const Count = defineJob<{ n: number }, number>('count');
const Parsed = defineJob('parsed', { schema: z.object({ count: z.coerce.number(), tags: z.array(z.string()) }) });

export async function tester(t: JobsTester) {
  t.expectEnqueued(WelcomeEmail, { userId: 'u1' }); // partial payloads are fine
  // @ts-expect-error wrong property type in the expected payload
  t.expectEnqueued(WelcomeEmail, { userId: 42 });
  // @ts-expect-error unknown property in the expected payload
  t.expectEnqueued(WelcomeEmail, { orderId: 'o1' });
  // @ts-expect-error wrong type in expectNotEnqueued
  t.expectNotEnqueued(WelcomeEmail, { email: false });

  const email: string = t.enqueued(WelcomeEmail)[0]!.data.email;
  // @ts-expect-error enqueued() is typed by the definition
  const wrong: number = t.enqueued(WelcomeEmail)[0]!.data.userId;

  await t.performJob(WelcomeEmail, { userId: 'u1', email: 'a@b.c' });
  // @ts-expect-error performJob needs the whole payload
  await t.performJob(WelcomeEmail, { userId: 'u1' });
  // @ts-expect-error wrong payload type in performJob
  await t.performJob(WelcomeEmail, { userId: 1, email: 'a@b.c' });
  // @ts-expect-error performBatch takes an array of payloads
  await t.performBatch(WelcomeEmail, { userId: 'u1', email: 'a@b.c' });

  // schema definitions take the schema's input type
  await t.performJob(Parsed, { count: '3' as unknown, tags: ['a'] });
  t.expectEnqueued(Parsed, { tags: ['a'] });
  // @ts-expect-error wrong element type in a nested partial
  t.expectEnqueued(Parsed, { tags: [1] });

  await t.drain(WelcomeEmail);
  await t.drain([WelcomeEmail, 'parsed']);
  // @ts-expect-error drain takes definitions, names or 'all'
  await t.drain(42);
  return { email, wrong };
}

export function typedResults(t: JobsTester) {
  // jobs(Def) types a completed job's output by the definition's result type, as getJob does
  const [job] = t.jobs(Invoice);
  if (job?.state === 'completed') {
    const total: number = job.output.total;
    void total;
    // @ts-expect-error an Invoice result has no such field
    void job.output.amount;
  } else if (job) {
    // any other state holds the last failure, or null
    same<typeof job.output, object | null>(true);
    // @ts-expect-error not narrowed to completed: output is no result
    void job.output.total;
  }
  const counted = t.jobs(Count).find((j) => j.state === 'completed');
  if (counted?.state === 'completed') {
    const n: number = counted.output.value;
    void n;
  }
  // @ts-expect-error output is typed only once narrowed to a completed job
  const unnarrowed: number = t.jobs(Invoice)[0]!.output.total;
  // definitions without a result type, and queue names, keep TestJob
  same<ReturnType<typeof t.jobs<{ userId: string; email: string }>>, TestJob<{ userId: string; email: string }>[]>(true);
  const untyped = t.jobs(WelcomeEmail);
  same<typeof untyped, TestJob<{ userId: string; email: string }>[]>(true);
  same<ReturnType<typeof t.enqueued<{ orderId: string }>>, TestJob<{ orderId: string }>[]>(true);
  const byName = t.jobs('invoice');
  same<typeof byName, TestJob<Record<string, unknown>>[]>(true);
  return { unnarrowed, untyped, byName };
}

export async function database(app: JobsApp, jobs: JobsService) {
  const id = await jobs.send(WelcomeEmail, { userId: 'u1', email: 'a@b.c' });
  await waitForJob(app, WelcomeEmail, id!, 'completed');
  // @ts-expect-error not a job state
  await waitForJob(app, WelcomeEmail, id!, 'done');
  await expectEnqueuedInDatabase(app, WelcomeEmail, { email: 'a@b.c' });
  // @ts-expect-error wrong payload type against the database
  await expectEnqueuedInDatabase(app, WelcomeEmail, { email: 1 });
}
