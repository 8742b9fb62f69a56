import { Injectable } from '@nestjs/common';
import { JobHandler, JobLogger, type Job } from 'nest-pg-jobs';
import { Thumbnail, type ThumbnailData } from './images.jobs.js';
import { ThumbnailRenderer } from './thumbnail.renderer.js';

@Injectable()
export class ImagesWorker {
  // JobLogger prefixes each line with the job it belongs to: [thumbnail <id> #<attempt>] …
  private readonly logger = new JobLogger('Thumbnail');

  constructor(private readonly renderer: ThumbnailRenderer) {}

  /** CPU-bound: two at a time per instance, so one busy instance does not starve its other queues. */
  @JobHandler(Thumbnail, { concurrency: 2 })
  async createThumbnail(job: Job<ThumbnailData>) {
    const started = performance.now();
    const { imageId, size } = job.data;
    const result = await this.renderer.render(imageId, size, job.signal);
    const ms = Math.round(performance.now() - started);
    this.logger.log(`${imageId} → ${size}x${size} in ${ms} ms (sha256 ${result.sha256.slice(0, 12)})`);
    return { imageId, size, ...result, ms };
  }
}
