import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { JobsHealthIndicator } from 'nest-pg-jobs/terminus';
import { Thumbnail } from '../images/images.jobs.js';

/**
 * GET /health: 200 while the jobs module runs, its database answers and no queue is over its
 * limit; 503 naming what failed otherwise (module state, database, workers, or the queue).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly jobsHealth: JobsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      // Thumbnails arrive a few at a time and render in milliseconds: a hundred waiting means the
      // workers are stuck or gone. (The CSV import queues thousands of rows on purpose: no limit there.)
      () => this.jobsHealth.isHealthy('jobs', { queues: [{ queue: Thumbnail, maxQueued: 100 }] }),
    ]);
  }
}
