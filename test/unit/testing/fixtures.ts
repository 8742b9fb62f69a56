import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import {
  defineJob,
  JobHandler,
  JobsService,
  OnJobEvent,
  Recurring,
  type BatchJobResult,
  type Job,
  type JobEvent,
} from '../../../lib/index.js';

export const Greet = defineJob<{ name: string }>('greet', { retryLimit: 2, deadLetter: 'greet.dead' });
export const Resize = defineJob('resize', {
  schema: z.object({ imageId: z.string().min(1), width: z.coerce.number().int().min(1) }),
  retryLimit: 0,
});
export const Fanout = defineJob<{ names: string[] }>('fanout');
export const Row = defineJob<{ n: number }>('row', { retryLimit: 1 });
export const Capture = defineJob<{ orderId: string }>('capture', { policy: 'exclusive' });
export const Loop = defineJob<{ depth: number }>('loop');
export const Unhandled = defineJob<{ x: number }>('unhandled');

/** Records what the handlers saw; `failures` makes greet throw that many times per name. */
@Injectable()
export class Recorder {
  greeted: { name: string; attempt: number; retryLimit: number; id: string }[] = [];
  resized: { imageId: string; width: number }[] = [];
  rows: number[][] = [];
  events: JobEvent[] = [];
  failures = new Map<string, number>();
}

@Injectable()
export class TestWorker {
  constructor(
    private readonly recorder: Recorder,
    private readonly jobs: JobsService,
  ) {}

  @JobHandler(Greet)
  async greet(job: Job<{ name: string }>) {
    const left = this.recorder.failures.get(job.data.name) ?? 0;
    this.recorder.greeted.push({ name: job.data.name, attempt: job.attempt, retryLimit: job.retryLimit, id: job.id });
    if (left > 0) {
      this.recorder.failures.set(job.data.name, left - 1);
      throw new Error(`greeting ${job.data.name} failed`);
    }
    return { greeting: `hello ${job.data.name}` };
  }

  @JobHandler(Resize)
  async resize(job: Job<{ imageId: string; width: number }>) {
    this.recorder.resized.push(job.data);
    return job.data.width * 2;
  }

  @JobHandler(Fanout)
  async fanout(job: Job<{ names: string[] }>) {
    return this.jobs.sendMany(Greet, job.data.names.map((name) => ({ data: { name } })));
  }

  @JobHandler(Row, { batchSize: 3 })
  async rows(jobs: Job<{ n: number }>[]): Promise<BatchJobResult[]> {
    this.recorder.rows.push(jobs.map((j) => j.data.n));
    return jobs.map((j) => ({ id: j.id, status: j.data.n < 0 ? 'failed' : 'completed', output: { n: j.data.n } }));
  }

  @JobHandler(Capture)
  async capture(job: Job<{ orderId: string }>) {
    return { captured: job.data.orderId };
  }

  @JobHandler(Loop)
  async loop(job: Job<{ depth: number }>) {
    await this.jobs.send(Loop, { depth: job.data.depth + 1 });
  }

  @Recurring('nightly', '0 3 * * *', { tz: 'Europe/Berlin', data: { full: true } })
  async nightly(job: Job<{ full: boolean }>) {
    return { full: job.data.full };
  }

  @OnJobEvent('dead-lettered', Greet)
  onDead(event: JobEvent) {
    this.recorder.events.push(event);
  }
}

@Module({ providers: [TestWorker, Recorder], exports: [Recorder] })
export class TestFeatureModule {}
