import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { AppConfig } from '../../../infrastructure/config/app-config.js';
import { registerJobSchedulers } from '../../../infrastructure/queues/job-schedulers.js';
import { type CustomerImportJob, QueueName } from '../../../infrastructure/queues/queue-names.js';
import { CustomFieldsService } from '../custom-fields.service.js';
import { toCustomFieldDto } from '../custom-field.presenter.js';
import { CustomerImportWriter, ImportMovedOn } from './customer-import-writer.js';
import { CustomerImportsRepository, importJobId } from './customer-imports.repository.js';
import { type ColumnMapping, type ImportCandidate, readRow, type RejectedRow } from './import-row.js';

/** Rows per transaction: big enough for set-based inserts, small enough that a crash redoes little. */
export const IMPORT_BATCH_ROWS = 1_000;

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Runs an import: streams its file from Postgres chunk by chunk through the decoder (iconv-lite) and a
 * streaming CSV parser (csv-parse: quotes, embedded newlines), reads each record as the API reads a
 * customer, and applies it in batches (CustomerImportWriter), each committing the import's progress
 * with its rows. A run after a crash skips the records already committed. A sweep re-queues imports
 * whose job was lost (Redis is never the only copy: the import row is).
 */
@Processor(QueueName.CustomerImports, { concurrency: 2 })
export class CustomerImportProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CustomerImportProcessor.name);

  constructor(
    @InjectQueue(QueueName.CustomerImports) private readonly queue: Queue<CustomerImportJob>,
    private readonly imports: CustomerImportsRepository,
    private readonly writer: CustomerImportWriter,
    private readonly customFields: CustomFieldsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    registerJobSchedulers(
      this.queue,
      [
        {
          id: 'recover-customer-imports',
          repeat: { every: this.config.SLA_SWEEP_INTERVAL_MS },
          data: { kind: 'recover' },
        },
      ],
      this.logger,
      this.config.SCHEDULE_REASSERT_INTERVAL_MS,
    );
  }

  async process(job: Job<CustomerImportJob>): Promise<unknown> {
    if (job.data.kind === 'recover') return { requeued: await this.recover() };
    return this.run(job.data.importId, (percent) => job.updateProgress(percent));
  }

  /** An import whose job has used its last attempt fails for good (the sweep would otherwise keep it open). */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<CustomerImportJob> | undefined, error: Error): Promise<void> {
    const data = job?.data;
    // Only a file that cannot be read fails the import (run() marks it). Anything else — attempts used
    // up on a busy database, a job that stalled — leaves it unfinished: the sweep retries its job.
    if (!job || data?.kind !== 'import' || !(error instanceof UnreadableFile)) return;
    await this.imports
      .finish(data.importId, 'failed', error.message.slice(0, 1000))
      .catch((failure: unknown) =>
        this.logger.warn({ err: failure, importId: data.importId }, 'could not mark the import failed'),
      );
  }

  /** Queues again every unfinished import (the job id makes it a no-op for those whose job still exists). */
  async recover(): Promise<number> {
    const unfinished = await this.imports.unfinished();
    for (const importId of unfinished) {
      const existing = await this.queue.getJob(importJobId(importId));
      if (existing && (await existing.isFailed())) await existing.retry();
      else if (!existing)
        await this.queue.add('import', { kind: 'import', importId }, { jobId: importJobId(importId) });
    }
    return unfinished.length;
  }

  async run(importId: string, onProgress: (percent: number) => Promise<void>): Promise<unknown> {
    const current = await this.imports.find(importId);
    if (!current) throw new UnrecoverableError(`import ${importId} does not exist`);
    if (current.status === 'completed' || current.status === 'failed') return { status: current.status };
    await this.imports.markRunning(importId);
    const mapping: ColumnMapping = {
      targets: current.columns.map((column) => column.target),
      unmapped: [],
      problems: [],
    };
    const context = {
      defaultRegion: this.config.DEFAULT_PHONE_REGION,
      customFields: (await this.customFields.definitions()).map(toCustomFieldDto),
    };
    let done = current.recordsDone;
    let bytesRead = 0;
    const decoded = Readable.from(this.countBytes(this.imports.chunks(importId), (n) => (bytesRead += n))).pipe(
      iconv.decodeStream(current.encoding),
    );
    const parser = decoded.pipe(
      parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: 1_000_000 }),
    );
    let index = 0;
    // The line each record starts on: the end of the one before, the empty lines skipped, and the line
    // breaks inside its quoted fields (csv-parse's own `info.lines` counts those unevenly).
    let lastLine = 0;
    let emptyLines = 0;
    let batch: (ImportCandidate | RejectedRow)[] = [];
    const commit = async () => {
      const recordsDone = done + batch.length;
      await this.writer.applyBatch(importId, done, recordsDone, bytesRead, batch);
      done = recordsDone;
      batch = [];
      await onProgress(Math.min(99, Math.floor((bytesRead / Math.max(1, current.fileBytes)) * 100)));
    };
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { empty_lines: number };
      }>) {
        index += 1;
        const line = lastLine + 1 + (info.empty_lines - emptyLines);
        emptyLines = info.empty_lines;
        lastLine = line + record.reduce((breaks, cell) => breaks + (cell.match(LINE_BREAK)?.length ?? 0), 0);
        if (index === 1) continue; // the header row, mapped when the file was uploaded
        if (index - 1 <= done) continue; // committed by an earlier run
        batch.push(readRow(line, record, mapping, context));
        // Reading rows is CPU work: let BullMQ renew the job's lock now and then, or a loaded machine stalls it.
        if (batch.length % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        if (batch.length >= IMPORT_BATCH_ROWS) await commit();
      }
      if (batch.length) await commit();
    } catch (error) {
      if (error instanceof ImportMovedOn) throw new TakenOver(error.message);
      if (isCsvError(error)) {
        // A malformed file stays malformed: what was committed stays, the rest is reported.
        await this.imports.finish(
          importId,
          'failed',
          `line ${(error as { lines?: number }).lines ?? '?'}: ${error.message}`,
        );
        throw new UnreadableFile(error.message);
      }
      throw error;
    }
    await this.imports.finish(importId, 'completed');
    await onProgress(100);
    this.logger.log({ importId, records: done }, 'customer import completed');
    return { status: 'completed', records: done };
  }

  private async *countBytes(chunks: AsyncIterable<Buffer>, count: (bytes: number) => void): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      count(chunk.length);
      yield chunk;
    }
  }
}

/** The file is malformed: the import has been marked failed. */
class UnreadableFile extends UnrecoverableError {}

/** Another run of the import is ahead of this one: this run ends, the import carries on. */
class TakenOver extends UnrecoverableError {}

function isCsvError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('CSV_');
}
