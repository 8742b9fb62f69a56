import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ImportRowData } from './imports.jobs.js';

export interface ImportStatus {
  id: string;
  state: 'uploaded' | 'importing' | 'done';
  /** Data rows in the file, once parsed. */
  total: number | null;
  imported: number;
  uploadedAt: Date;
  finishedAt: Date | null;
  /** The job that parses the file (its progress: rows queued so far). */
  parseJobId: string | null;
}

/**
 * Uploaded files and imported products, in memory. In a real app the upload would sit in object
 * storage (the job carries its key, never the file) and the rows would go to a table.
 */
@Injectable()
export class ImportsStore {
  private readonly uploads = new Map<string, string>();
  private readonly imports = new Map<string, ImportStatus>();
  private readonly products = new Map<string, ImportRowData>();

  upload(csv: string): ImportStatus {
    const status: ImportStatus = {
      id: randomUUID(),
      state: 'uploaded',
      total: null,
      imported: 0,
      uploadedAt: new Date(),
      finishedAt: null,
      parseJobId: null,
    };
    this.uploads.set(status.id, csv);
    this.imports.set(status.id, status);
    return status;
  }

  file(importId: string): string | undefined {
    return this.uploads.get(importId);
  }

  status(importId: string): ImportStatus | undefined {
    return this.imports.get(importId);
  }

  parsed(importId: string, total: number): void {
    const status = this.imports.get(importId);
    if (!status) return;
    status.total = total;
    status.state = total === 0 ? 'done' : 'importing';
    this.uploads.delete(importId);
  }

  /**
   * Upserts by import and line, so a batch that runs again (a retry after a crash) counts nothing twice.
   * Returns the imports this batch finished.
   */
  insertMany(rows: ImportRowData[]): ImportStatus[] {
    const finished: ImportStatus[] = [];
    for (const row of rows) {
      const key = `${row.importId}:${row.line}`;
      const isNew = !this.products.has(key);
      this.products.set(key, row);
      const status = this.imports.get(row.importId);
      if (!status || !isNew) continue;
      status.imported++;
      if (status.total !== null && status.imported === status.total) {
        status.state = 'done';
        status.finishedAt = new Date();
        finished.push(status);
      }
    }
    return finished;
  }

  /** Forgets finished imports older than `maxAgeMs`, with their rows; returns how many. */
  purgeFinished(maxAgeMs: number, now = Date.now()): number {
    let purged = 0;
    for (const status of this.imports.values()) {
      if (status.state !== 'done' || !status.finishedAt) continue;
      if (now - status.finishedAt.getTime() < maxAgeMs) continue;
      for (const [key, row] of this.products) if (row.importId === status.id) this.products.delete(key);
      this.imports.delete(status.id);
      purged++;
    }
    return purged;
  }

  get productCount(): number {
    return this.products.size;
  }
}
