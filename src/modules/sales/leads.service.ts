import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import type { LeadDto, ListLeadsQuery } from './dto/lead.dto.js';
import { toLeadDto } from './lead.presenter.js';
import { LeadsRepository } from './leads.repository.js';
import { SalesAccess } from './sales-access.js';

/** The reads of leads, each within the caller's book. */
@Injectable()
export class LeadsService {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly access: SalesAccess,
  ) {}

  async get(id: string, principal: Principal): Promise<LeadDto> {
    const row = await this.leads.find(id);
    if (!row) throw new NotFound('Lead', id);
    await this.access.assertInBook(principal, row.ownerId, 'Lead', id);
    return toLeadDto(row);
  }

  async list(query: ListLeadsQuery, principal: Principal): Promise<Page<LeadDto>> {
    const { limit, cursor, ...filters } = query;
    if (filters.ownerId) await this.access.assertMayReadBookOf(principal, filters.ownerId);
    const rows = await this.leads.list(filters, await this.access.scopeOf(principal), decodeCursor(cursor), limit);
    return toPage(rows, limit, (row) => ({ at: row.cursorAt, id: row.id }), toLeadDto);
  }
}
