import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { JobsService } from 'nest-pg-jobs';
import { generateProductsCsv } from './csv.js';
import { ParseImport } from './imports.jobs.js';
import { ImportsStore } from './imports.store.js';

@Controller('imports')
export class ImportsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly store: ImportsStore,
  ) {}

  /**
   * `POST /imports` with a `text/csv` body (`sku,name,quantity,price`), or with no body and
   * `?generate=5000` for a generated file. Answers 202 at once: parsing and importing run as jobs.
   */
  @Post()
  @HttpCode(202)
  async upload(@Body() body: unknown, @Query('generate') generate?: string) {
    let csv: string;
    if (typeof body === 'string' && body.length > 0) {
      csv = body;
    } else if (generate !== undefined) {
      const rows = Number(generate);
      if (!Number.isInteger(rows) || rows < 1 || rows > 100_000) {
        throw new BadRequestException('"generate" must be a whole number of rows between 1 and 100000');
      }
      csv = generateProductsCsv(rows);
    } else {
      throw new BadRequestException('send a text/csv body, or ?generate=<rows> for a generated file');
    }
    const status = this.store.upload(csv);
    const jobId = await this.jobs.send(ParseImport, { importId: status.id });
    status.parseJobId = jobId;
    return { importId: status.id, jobId };
  }

  /**
   * `GET /imports/:id` → rows imported out of the total, and the parse job's state and progress
   * (`{ queued, total }`, as its handler last reported it with `job.updateProgress`).
   */
  @Get(':id')
  async status(@Param('id') id: string) {
    const status = this.store.status(id);
    if (!status) throw new NotFoundException(`no import ${id}`);
    const parse = status.parseJobId ? await this.jobs.getJob(ParseImport, status.parseJobId) : null;
    return { ...status, parse: parse ? { state: parse.state, progress: parse.progress } : null };
  }
}
