import { Controller, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { JobsService } from 'nest-pg-jobs';
import type { MaintenanceRun } from './maintenance.worker.js';

const TASKS = ['nightly-cleanup', 'sessions-sweep'];

@Controller('maintenance')
export class MaintenanceController {
  constructor(private readonly jobs: JobsService) {}

  /**
   * `POST /maintenance/nightly-cleanup` runs a scheduled task now, without waiting for its next
   * tick: a `@Recurring` method is an ordinary queue, so sending a job to it by name is enough.
   */
  @Post(':task')
  @HttpCode(202)
  async run(@Param('task') task: string) {
    if (!TASKS.includes(task)) throw new NotFoundException(`unknown task "${task}"; one of ${TASKS.join(', ')}`);
    const jobId = await this.jobs.send(task, { trigger: 'manual' } satisfies MaintenanceRun);
    return { jobId };
  }
}
