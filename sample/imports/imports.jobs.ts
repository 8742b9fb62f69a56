import { defineJob } from 'nest-pg-jobs';

/** Parse an uploaded CSV and fan it out, one `ImportRow` job per line. */
export const ParseImport = defineJob<{ importId: string }>('import-parse', { retryLimit: 1 });

export interface ImportRowData {
  importId: string;
  /** 1-based line in the file, header excluded. */
  line: number;
  sku: string;
  name: string;
  quantity: number;
  priceCents: number;
}

/** One product line. Handled in batches of 100: one insert per batch, not per row. */
export const ImportRow = defineJob<ImportRowData>('import-row', { retryLimit: 2 });
