import { Body, Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { JobsService, type JobInput } from 'nest-pg-jobs';
import { Thumbnail } from './images.jobs.js';
import { DashboardAuthGuard } from '../dashboard/dashboard-auth.guard.js';

@Controller('images')
export class ImagesController {
  constructor(private readonly jobs: JobsService) {}

  /**
   * `POST /images {"imageId": "cat.jpg", "size": 128}` → 202 with the job id. The body is not
   * validated here: `send` checks it against the job's zod schema and throws `JobValidationError`,
   * which `JobValidationFilter` turns into a 400.
   */
  @Post()
  @HttpCode(202)
  async create(@Body() body: JobInput<typeof Thumbnail>) {
    const jobId = await this.jobs.send(Thumbnail, body);
    return { jobId };
  }

  /** `GET /images/jobs/:jobId` → the job's state and, once completed, the thumbnail's digest. */
  @Get('jobs/:jobId')
  async status(@Param('jobId', ParseUUIDPipe) jobId: string) {
    const job = await this.jobs.getJob(Thumbnail, jobId);
    if (!job) throw new NotFoundException(`no thumbnail job ${jobId}`);
    return { jobId, state: job.state, data: job.data, output: job.output ?? null };
  }

  /**
   * `POST /images/pause` → stops every instance from starting thumbnails (within about a second);
   * jobs running finish and new ones keep queueing. An operator's action: behind the dashboard's
   * credential. The traffic script pauses for a few seconds so the summary shows it.
   */
  @Post('pause')
  @HttpCode(200)
  @UseGuards(DashboardAuthGuard)
  async pause() {
    await this.jobs.pauseQueue(Thumbnail);
    return { queue: Thumbnail.name, paused: await this.jobs.isQueuePaused(Thumbnail) };
  }

  /** `POST /images/resume` → thumbnails start again, the backlog first. */
  @Post('resume')
  @HttpCode(200)
  @UseGuards(DashboardAuthGuard)
  async resume() {
    await this.jobs.resumeQueue(Thumbnail);
    return { queue: Thumbnail.name, paused: await this.jobs.isQueuePaused(Thumbnail) };
  }
}
