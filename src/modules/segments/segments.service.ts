import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound, StaleVersion } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { CreateSegmentDto, SegmentDto, UpdateSegmentDto } from './dto/segment.dto.js';
import type { SegmentFilter } from './segment-filter.js';
import { type SegmentRow, SegmentsRepository } from './segments.repository.js';

export function toSegmentDto(row: SegmentRow): SegmentDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filter: row.filter,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Saved segments (R-C7): filters over customers that campaigns, outreach and the customer list use. */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly segments: SegmentsRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** The segment's filter, for other modules' queries (`?segmentId=` on the customer list, campaigns). */
  async filterOf(id: string): Promise<SegmentFilter> {
    return (await this.get(id)).filter;
  }

  async get(id: string): Promise<SegmentRow> {
    const row = await this.segments.findById(id);
    if (!row) throw new NotFound('Segment', id);
    return row;
  }

  async count(id: string): Promise<number> {
    return this.segments.count(await this.filterOf(id));
  }

  async list(query: { cursor?: string; limit: number }): Promise<Page<SegmentDto>> {
    const rows = await this.segments.list(decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toSegmentDto);
  }

  create(dto: CreateSegmentDto, principal: Principal, requestId: string): Promise<SegmentDto> {
    return this.transactions.run(async (tx) => {
      const row = await this.segments.insert(tx, {
        name: dto.name,
        description: dto.description ?? null,
        filter: dto.filter,
        createdBy: principal.kind === 'user' ? principal.id : null,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'segment.created',
        entityType: 'segment',
        entityId: row.id,
        after: toSegmentDto(row),
      });
      return toSegmentDto(row);
    });
  }

  update(
    id: string,
    dto: UpdateSegmentDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<SegmentDto> {
    rejectNulls(dto, ['name', 'filter']);
    return this.transactions.run(async (tx) => {
      const current = await this.segments.lock(tx, id);
      if (!current) throw new NotFound('Segment', id);
      const expected = ifMatch ?? dto.version;
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('The segment', expected, current.version);
      const row = await this.segments.update(tx, id, {
        name: dto.name,
        description: dto.description,
        filter: dto.filter,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'segment.updated',
        entityType: 'segment',
        entityId: id,
        before: toSegmentDto(current),
        after: toSegmentDto(row),
      });
      return toSegmentDto(row);
    });
  }

  async delete(id: string, principal: Principal, requestId: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const current = await this.segments.lock(tx, id);
      if (!current) throw new NotFound('Segment', id);
      await this.segments.delete(tx, id);
      await this.audit.record(tx, principal, requestId, {
        action: 'segment.deleted',
        entityType: 'segment',
        entityId: id,
        before: toSegmentDto(current),
      });
    });
  }
}
