import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../../infrastructure/database/transaction-runner.js';
import type { ImportEncoding } from './file-encoding.js';
import type { ImportTarget, RejectedRow } from './import-row.js';

/** The import's job id: one job per import, so adding it again (the recovery sweep) is a no-op while it exists. */
export const importJobId = (importId: string) => `import.${importId}`;

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';
export type MatchAction = 'update' | 'skip';

export interface ImportOptions {
  /** What a row matching an existing customer (by phone, e-mail or customer number) does. */
  onMatch: MatchAction;
  dryRun: boolean;
  /** Header → field, on top of the template's headers. */
  mapping: Record<string, ImportTarget>;
  ownerId: string | null;
}

export interface ImportRow {
  id: string;
  status: ImportStatus;
  fileName: string;
  fileBytes: number;
  fileSha256: string;
  encoding: ImportEncoding;
  options: ImportOptions;
  /** The file's headers and the field each fills (null: ignored). */
  columns: { header: string; target: ImportTarget }[];
  actorType: string;
  actorId: string | null;
  recordsDone: number;
  bytesRead: number;
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
  failure: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const IMPORT_SELECT = `id, status, file_name AS "fileName", file_bytes::float8 AS "fileBytes", file_sha256 AS "fileSha256",
  encoding, options, columns, actor_type AS "actorType", actor_id AS "actorId", records_done AS "recordsDone", bytes_read::float8 AS "bytesRead",
  created_count AS created, updated_count AS updated, skipped_count AS skipped, rejected_count AS rejected, failure,
  created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

export interface BatchCounts {
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
}

/** Imports, their uploaded files (in chunks) and their rejected rows. */
@Injectable()
export class CustomerImportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    row: Pick<ImportRow, 'fileName' | 'encoding' | 'options' | 'columns' | 'actorType' | 'actorId'>,
  ): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO customer_imports (file_name, file_bytes, file_sha256, encoding, options, columns, actor_type, actor_id)
       VALUES ($1, 0, '', $2, $3::jsonb, $4::jsonb, $5, $6) RETURNING id`,
      [
        row.fileName,
        row.encoding,
        JSON.stringify(row.options),
        JSON.stringify(row.columns),
        row.actorType,
        row.actorId,
      ],
    );
    return id;
  }

  async appendChunk(tx: Tx, importId: string, seq: number, data: Buffer): Promise<void> {
    await tx.query(`INSERT INTO customer_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, [
      importId,
      seq,
      data,
    ]);
  }

  async finishUpload(tx: Tx, importId: string, bytes: number, sha256: string): Promise<void> {
    await tx.query(`UPDATE customer_imports SET file_bytes = $2, file_sha256 = $3 WHERE id = $1`, [
      importId,
      bytes,
      sha256,
    ]);
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ImportRow | null> {
    const [row] = await tx.query(`SELECT ${IMPORT_SELECT} FROM customer_imports WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** The import's row, locked for the batch that is about to advance it. */
  async lock(tx: Tx, id: string): Promise<ImportRow | null> {
    const [row] = await tx.query(`SELECT ${IMPORT_SELECT} FROM customer_imports WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** The file's chunks, in order, one query each (never the whole file in memory). */
  async *chunks(importId: string): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq += 1) {
      const [row] = await this.dataSource.query(
        `SELECT data FROM customer_import_chunks WHERE import_id = $1 AND seq = $2`,
        [importId, seq],
      );
      if (!row) return;
      yield row.data as Buffer;
    }
  }

  async markRunning(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE customer_imports SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running')`,
      [id],
    );
  }

  /** Commits a batch's progress in the batch's transaction: the next run starts after `recordsDone`. */
  async advance(tx: Tx, id: string, recordsDone: number, bytesRead: number, counts: BatchCounts): Promise<void> {
    await tx.query(
      `UPDATE customer_imports SET records_done = $2, bytes_read = greatest(bytes_read, $7), created_count = created_count + $3, updated_count = updated_count + $4,
              skipped_count = skipped_count + $5, rejected_count = rejected_count + $6, updated_at = now()
       WHERE id = $1`,
      [id, recordsDone, counts.created, counts.updated, counts.skipped, counts.rejected, bytesRead],
    );
  }

  async insertRejections(tx: Tx, importId: string, rows: RejectedRow[]): Promise<void> {
    if (!rows.length) return;
    await tx.query(
      `INSERT INTO customer_import_rejections (import_id, line, record, reasons)
       SELECT $1, r.line, ARRAY(SELECT jsonb_array_elements_text(r.values)), r.reasons
       FROM jsonb_to_recordset($2::jsonb) AS r(line int, values jsonb, reasons jsonb)
       ON CONFLICT (import_id, line) DO NOTHING`,
      [importId, JSON.stringify(rows)],
    );
  }

  async finish(id: string, status: 'completed' | 'failed', failure: string | null = null): Promise<void> {
    await this.dataSource.query(
      `UPDATE customer_imports SET status = $2, failure = $3, finished_at = now(), updated_at = now() WHERE id = $1`,
      [id, status, failure],
    );
    if (status === 'completed')
      // The file has served its purpose; the rejected rows stay for download.
      await this.dataSource.query(`DELETE FROM customer_import_chunks WHERE import_id = $1`, [id]);
  }

  /** Rejected rows in line order, a page at a time (for the CSV download). */
  rejections(importId: string, afterLine: number, limit: number): Promise<RejectedRow[]> {
    return this.dataSource.query(
      `SELECT line, record AS values, reasons FROM customer_import_rejections
       WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [importId, afterLine, limit],
    );
  }

  /** Imports still to finish, for the recovery sweep (their jobs may have been lost with Redis's data). */
  async unfinished(): Promise<string[]> {
    const rows = await this.dataSource.query(
      `SELECT id FROM customer_imports WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 1000`,
    );
    return rows.map((row: { id: string }) => row.id);
  }
}
