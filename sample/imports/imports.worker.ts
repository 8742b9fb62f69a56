import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, JobsService, type Job } from 'nest-pg-jobs';
import { parseProductsCsv } from './csv.js';
import { ImportRow, ParseImport, type ImportRowData } from './imports.jobs.js';
import { ImportsStore } from './imports.store.js';

/** Rows queued by one `sendMany` of the parse step. */
const ROWS_PER_STATEMENT = 1000;

@Injectable()
export class ImportsWorker {
  private readonly logger = new Logger('Import');

  constructor(
    private readonly jobs: JobsService,
    private readonly store: ImportsStore,
  ) {}

  /**
   * Step 1: split the file into rows and queue them, 1,000 per statement, reporting progress as it
   * goes (`GET /imports/:id` shows it). A retry queues the same rows again: step 2 upserts by line.
   */
  @JobHandler(ParseImport)
  async parse(job: Job<{ importId: string }>) {
    const { importId } = job.data;
    const csv = this.store.file(importId);
    if (csv === undefined) throw new Error(`upload ${importId} not found`);
    const { rows, rejected } = parseProductsCsv(importId, csv);
    let queued = 0;
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      queued += (await this.jobs.sendMany(ImportRow, chunk.map((data) => ({ data })))).length;
      // At most one write a second reaches the database; the last one before the job completes.
      void job.updateProgress({ queued, total: rows.length });
    }
    this.store.parsed(importId, rows.length);
    this.logger.log(
      `${importId}: queued ${queued} rows` + (rejected.length ? `, rejected lines ${rejected.join(', ')}` : ''),
    );
    return { rows: queued, rejected };
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
