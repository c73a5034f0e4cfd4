import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { CustomerDataExport } from './export-customer-data.js';

/**
 * A personal-data export as a zip (the "zip with CSVs"): `export.json`, the same document as the
 * JSON answer, and one CSV per module and table (`loyalty/loyalty_ledger.csv`), UTF-8 with a BOM so Excel
 * reads Chinese text. The zip is written as the response is read (yazl's output stream, each CSV
 * produced by csv-stringify as the zip takes it): nothing holds the archive in memory, only the rows,
 * which one customer's export already holds.
 */
export function customerDataZip(data: CustomerDataExport): Readable {
  const zip = new ZipFile();
  zip.addReadStream(Readable.from([JSON.stringify(data, null, 2)]), 'export.json');
  for (const [module, tables] of Object.entries(data.modules))
    for (const [table, rows] of Object.entries(tables)) zip.addReadStream(tableCsv(rows), `${module}/${table}.csv`);
  zip.end();
  return zip.outputStream as Readable;
}

/** The columns of a table's rows: every key any row has, in the order first seen. */
export function columnsOf(rows: readonly unknown[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row as object)) columns.add(key);
  return [...columns];
}

/** A value as a CSV cell: empty for null, ISO 8601 for a timestamp, JSON for an object or array. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function tableCsv(rows: readonly unknown[]): Readable {
  const columns = columnsOf(rows);
  const records = rows.map((row) => columns.map((column) => csvCell((row as Record<string, unknown>)[column])));
  return Readable.from(records).pipe(stringify({ bom: true, header: true, columns }));
}
