import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { actorOf, type Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { NotFound, Unprocessable, ValidationFailed } from '../../../common/errors/domain-errors.js';
import { flattenValidationErrors } from '../../../common/errors/validation.js';
import { isoTime } from '../../../common/http/iso-time.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { type CustomerImportJob, QueueName } from '../../../infrastructure/queues/queue-names.js';
import { UsersService } from '../../identity/users.service.js';
import { ImportFileTooLarge, readUpload, UnreadableImportFile } from '../customers-errors.js';
import { ImportOptionsDto, type CustomerImportDto } from './customer-import.dto.js';
import {
  CustomerImportsRepository,
  importJobId,
  type ImportOptions,
  type ImportRow,
} from './customer-imports.repository.js';
import { detectEncoding } from './file-encoding.js';
import { isImportTarget, mapColumns, type RejectedRow } from './import-row.js';

export const IMPORT_MAX_BYTES = 100 * 1024 * 1024;
/** The file is kept in Postgres in chunks of this size, read back one at a time. */
const CHUNK_BYTES = 1024 * 1024;

export interface UploadedFile {
  filename: string;
  stream: Readable;
  /** Set by the multipart parser once the stream was cut at the size limit. */
  truncated(): boolean;
}

/** CSV imports (R-C9): upload and queue, then report progress, the outcome and the rejected rows. */
@Injectable()
export class CustomerImportsService {
  private readonly logger = new Logger(CustomerImportsService.name);

  constructor(
    private readonly imports: CustomerImportsRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    @InjectQueue(QueueName.CustomerImports) private readonly queue: Queue<CustomerImportJob>,
  ) {}

  /** Checks the options given as the upload's `options` part (JSON). */
  async readOptions(text: string | undefined): Promise<ImportOptions> {
    let raw: unknown = {};
    if (text !== undefined && text.trim() !== '') {
      try {
        raw = JSON.parse(text);
      } catch {
        throw new ValidationFailed([{ field: 'options', message: 'options must be a JSON object' }]);
      }
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ValidationFailed([{ field: 'options', message: 'options must be a JSON object' }]);
    const dto = plainToInstance(ImportOptionsDto, raw);
    const errors = flattenValidationErrors(await validate(dto, { whitelist: true, forbidNonWhitelisted: true }));
    for (const [header, target] of Object.entries(dto.mapping ?? {}))
      if (!isImportTarget(target))
        errors.push({
          field: `mapping.${header}`,
          message: `"${String(target)}" is not a field an import fills (an API field, code, customFields.<key> or null)`,
        });
    if (errors.length)
      throw new ValidationFailed(errors.map((error) => ({ ...error, field: `options.${error.field}` })));
    if (dto.ownerId && !(await this.users.exists(dto.ownerId)))
      throw new Unprocessable('The owner does not exist.', [
        { field: 'options.ownerId', message: 'no user has this id' },
      ]);
    return {
      onMatch: dto.onMatch ?? 'skip',
      dryRun: dto.dryRun ?? false,
      mapping: dto.mapping ?? {},
      ownerId: dto.ownerId ?? null,
    };
  }

  /**
   * Stores the file (streamed into Postgres, never whole in memory) with the import that will read it,
   * in one transaction, then queues the import. The header row is read first: a file whose columns
   * cannot be mapped is refused before anything is stored. If Redis cannot take the job now, the
   * import is still recorded and the recovery sweep queues it.
   */
  async start(
    file: UploadedFile,
    options: ImportOptions,
    principal: Principal,
    requestId?: string,
  ): Promise<CustomerImportDto> {
    const reader = chunked(file.stream, CHUNK_BYTES);
    const first = await reader.next();
    const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
    if (!head.length) throw new UnreadableImportFile('The file is empty.');
    const encoding = detectEncoding(head);
    const headers = readHeader(iconv.decode(head, encoding));
    const mapping = mapColumns(headers, options.mapping);
    if (mapping.problems.length)
      throw new UnreadableImportFile('The columns of the file cannot be mapped.', mapping.problems);

    const id = await this.transactions.run(async (tx) => {
      const importId = await this.imports.insert(tx, {
        fileName: file.filename.slice(0, 255),
        encoding,
        options,
        columns: headers.map((header, index) => ({ header, target: mapping.targets[index] })),
        ...actorOf(principal),
      });
      const hash = createHash('sha256');
      let bytes = 0;
      let seq = 0;
      for (let chunk: Buffer | undefined = head; chunk;) {
        hash.update(chunk);
        bytes += chunk.length;
        await this.imports.appendChunk(tx, importId, seq, chunk);
        seq += 1;
        const next = await reader.next();
        chunk = next.done ? undefined : next.value;
      }
      if (file.truncated() || bytes > IMPORT_MAX_BYTES) throw new ImportFileTooLarge(IMPORT_MAX_BYTES);
      await this.imports.finishUpload(tx, importId, bytes, hash.digest('hex'));
      await this.audit.record(tx, principal, requestId, {
        action: 'customer_import.started',
        entityType: 'customer_import',
        entityId: importId,
        after: { fileName: file.filename, bytes, encoding, options: { ...options, mapping: undefined } },
      });
      return importId;
    });
    await this.queue
      .add('import', { kind: 'import', importId: id }, { jobId: importJobId(id) })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, importId: id }, 'could not queue the import now; the recovery sweep will'),
      );
    return this.get(id);
  }

  async get(id: string): Promise<CustomerImportDto> {
    const row = await this.imports.find(id);
    if (!row) throw new NotFound('Import', id);
    return toImportDto(row);
  }

  /** The rejected rows as CSV (UTF-8 with a BOM, so Excel reads the Chinese): the original columns, then the line and the reasons. */
  async *rejectedRowsCsv(id: string): AsyncGenerator<string> {
    const row = await this.imports.find(id);
    if (!row) throw new NotFound('Import', id);
    yield '\ufeff' + csvLine([...row.columns.map((column) => column.header), '行号 line', '原因 reasons']);
    for (let after = 0; ;) {
      const page: RejectedRow[] = await this.imports.rejections(id, after, 1_000);
      if (!page.length) return;
      yield page
        .map((rejected) =>
          csvLine([
            ...row.columns.map((_, index) => rejected.values[index] ?? ''),
            String(rejected.line),
            rejected.reasons.map((reason) => `${reason.field}: ${reason.message}`).join('; '),
          ]),
        )
        .join('');
      after = page[page.length - 1].line;
    }
  }
}

export function toImportDto(row: ImportRow): CustomerImportDto {
  return {
    id: row.id,
    status: row.status,
    fileName: row.fileName,
    fileBytes: row.fileBytes,
    encoding: row.encoding,
    onMatch: row.options.onMatch,
    dryRun: row.options.dryRun,
    columns: row.columns,
    counts: {
      rows: row.recordsDone,
      created: row.created,
      updated: row.updated,
      skipped: row.skipped,
      rejected: row.rejected,
    },
    progress:
      row.status === 'completed' ? 100 : Math.min(99, Math.floor((row.bytesRead / Math.max(1, row.fileBytes)) * 100)),
    failure: row.failure,
    rejectedRowsUrl: `/api/v1/customers/imports/${row.id}/rejected-rows`,
    createdAt: row.createdAt.toISOString(),
    startedAt: isoTime(row.startedAt),
    finishedAt: isoTime(row.finishedAt),
  };
}

/** The header row of the file's first chunk. */
function readHeader(text: string): string[] {
  try {
    const [header]: string[][] = parse(text, { bom: true, to: 1, relax_column_count: true, skip_empty_lines: true });
    if (header?.some((cell) => cell.trim() !== '')) return header.map((cell) => cell.trim());
  } catch {
    // reported below
  }
  throw new UnreadableImportFile('The first row of the file is not a CSV header row.');
}

function csvLine(cells: string[]): string {
  return cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',') + '\r\n';
}

/** The upload re-cut into chunks of `size` bytes (the last one shorter); a body cut short is unreadable. */
async function* chunked(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const data of readUpload<Buffer>(stream)) {
    parts.push(data);
    length += data.length;
    while (length >= size) {
      const all = Buffer.concat(parts);
      yield all.subarray(0, size);
      parts = [all.subarray(size)];
      length -= size;
    }
  }
  if (length) yield Buffer.concat(parts);
}
