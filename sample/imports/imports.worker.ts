import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, JobsService, type Job } from 'nest-pg-jobs';
import { parseProductsCsv } from './csv.js';
import { ImportRow, ParseImport, type ImportRowData } from './imports.jobs.js';
import { ImportsStore } from './imports.store.js';

@Injectable()
export class ImportsWorker {
  private readonly logger = new Logger('Import');

  constructor(
    private readonly jobs: JobsService,
    private readonly store: ImportsStore,
  ) {}

  /** Step 1: split the file into rows and queue them all in one statement. */
  @JobHandler(ParseImport)
  async parse(job: Job<{ importId: string }>) {
    const { importId } = job.data;
    const csv = this.store.file(importId);
    if (csv === undefined) throw new Error(`upload ${importId} not found`);
    const { rows, rejected } = parseProductsCsv(importId, csv);
    const ids = await this.jobs.sendMany(
      ImportRow,
      rows.map((data) => ({ data })),
    );
    this.store.parsed(importId, rows.length);
    this.logger.log(
      `${importId}: queued ${ids.length} rows` + (rejected.length ? `, rejected lines ${rejected.join(', ')}` : ''),
    );
    return { rows: ids.length, rejected };
  }

  /** Step 2: up to 100 rows per call, inserted together. */
  @JobHandler(ImportRow, { batchSize: 100 })
  async insertRows(jobs: Job<ImportRowData>[]) {
    for (const status of this.store.insertMany(jobs.map((job) => job.data))) {
      const seconds = ((status.finishedAt!.getTime() - status.uploadedAt.getTime()) / 1000).toFixed(1);
      this.logger.log(`${status.id}: all ${status.total} rows imported in ${seconds} s`);
    }
  }
}
