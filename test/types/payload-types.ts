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

// A payload travels as JSON: a type that would reach the handler as something else is refused.
class Money {
  constructor(readonly cents: number) {}
  format() {
    return `${this.cents / 100}`;
  }
}
class Row {
  id!: string;
  tags!: string[];
}
interface Tree {
  label: string;
  children: Tree[];
}

export function jsonPayloads() {
  // @ts-expect-error a Date arrives as an ISO string
  defineJob<{ at: Date }>('at-date');
  // @ts-expect-error a Date inside a union, an optional property or an array
  defineJob<{ at?: Date | string; log: { when: Date }[] }>('nested-date');
  // @ts-expect-error a class instance with methods arrives without its methods
  defineJob<{ price: Money }>('money');
  // @ts-expect-error a Map arrives as {}
  defineJob<{ byId: Map<string, number> }>('map');
  // @ts-expect-error a Set arrives as {}
  defineJob<{ ids: Set<string> }>('set');
  // @ts-expect-error a BigInt cannot be sent
  defineJob<{ n: bigint }>('bigint');
  // @ts-expect-error a function is dropped
  defineJob<{ onDone: () => void }>('callback');
  // @ts-expect-error a value with toJSON arrives as what toJSON returns
  defineJob<{ v: { toJSON(): string } }>('to-json');
  // @ts-expect-error the payload itself a Date
  defineJob<Date>('date-itself');

  // what JSON delivers is accepted, including class instances without methods, interfaces,
  // recursive types, index signatures, tuples, unknown and any
  defineJob<{ at: string; n: number | null; ok?: boolean }>('plain-json');
  defineJob<{ row: Row; rows: readonly Row[] }>('data-class');
  defineJob<Tree>('tree');
  defineJob<{ [key: string]: number }>('index-signature');
  defineJob<{ pair: [string, number]; extra: unknown; raw: any }>('tuple');
  defineJob('untyped');

  // @ts-expect-error a schema whose input is a Date: the worker receives a string, which z.date() refuses
  defineJob('schema-date', { schema: z.object({ at: z.date() }) });
  // @ts-expect-error a schema whose input holds a BigInt
  defineJob('schema-bigint', { schema: z.object({ n: z.object({ big: z.bigint() }) }) });
}

// A schema that turns the JSON back into a Date hands the handler a Date.
const Coerced = defineJob('schema-coerced', { schema: z.object({ at: z.coerce.date(), note: z.unknown() }) });

export class CoercedHandler {
  @JobHandler(Coerced)
  async run(job: Job<{ at: Date; note: unknown }>) {
    return job.data.at.getTime();
  }
}
