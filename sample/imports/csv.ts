import type { ImportRowData } from './imports.jobs.js';

/** The header every product file starts with. */
export const CSV_HEADER = 'sku,name,quantity,price';

/**
 * Parses a product CSV: `sku,name,quantity,price` with a header line, no quoted fields. A line
 * that does not parse is reported, not imported.
 */
export function parseProductsCsv(importId: string, csv: string): { rows: ImportRowData[]; rejected: number[] } {
  const lines = csv.split(/\r?\n/);
  if (lines[0]?.trim() !== CSV_HEADER) {
    throw new Error(`expected the header "${CSV_HEADER}", got "${lines[0]?.slice(0, 60) ?? ''}"`);
  }
  const rows: ImportRowData[] = [];
  const rejected: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text) continue;
    const [sku, name, quantity, price] = text.split(',');
    const row = {
      importId,
      line: i,
      sku: sku?.trim() ?? '',
      name: name?.trim() ?? '',
      quantity: Number(quantity),
      priceCents: Math.round(Number(price) * 100),
    };
    if (!row.sku || !row.name || !Number.isInteger(row.quantity) || !Number.isFinite(row.priceCents)) {
      rejected.push(i);
      continue;
    }
    rows.push(row);
  }
  return { rows, rejected };
}

/** A product file with `rows` lines, for demos and load. */
export function generateProductsCsv(rows: number): string {
  const lines = [CSV_HEADER];
  for (let i = 1; i <= rows; i++) {
    const sku = `SKU-${String(i).padStart(6, '0')}`;
    lines.push(`${sku},Product ${i},${(i * 7) % 100},${((i * 13) % 5000) / 100 + 1}`);
  }
  return lines.join('\n');
}
