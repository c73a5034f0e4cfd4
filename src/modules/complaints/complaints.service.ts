import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound } from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { CustomersService } from '../customers/customers.service.js';
import type { ListComplaintsQuery } from './dto/complaint.dto.js';
import { isSalesOnly } from './complaint-access.js';
import { ComplaintRow, ComplaintsRepository } from './complaints.repository.js';

/** What the complaint endpoints read; every change is a use case of its own. */
@Injectable()
export class ComplaintsService {
  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly customers: CustomersService,
  ) {}

  async get(id: string, principal: Principal): Promise<ComplaintRow> {
    return this.visible(principal, id, await this.complaints.find(id));
  }

  /** The complaint, unless there is none or the caller may not know of it (a salesperson's other customers; a key's others): 404. */
  async visible(principal: Principal, id: string, row: ComplaintRow | null): Promise<ComplaintRow> {
    if (!row) throw new NotFound('Complaint', id);
    if (principal.kind === 'api_key' && !(row.createdByType === 'api_key' && row.createdById === principal.id))
      throw new NotFound('Complaint', id);
    if (isSalesOnly(principal) && (await this.customers.ownerOf(row.customerId)) !== principal.id)
      throw new NotFound('Complaint', id);
    return row;
  }

  /** Newest first; a salesperson sees the complaints of the customers they own. */
  async list(query: ListComplaintsQuery, principal: Principal): Promise<Page<ComplaintRow>> {
    const filter = {
      status: query.status,
      customerId: query.customerId,
      assignedTo: query.assignedTo,
      category: query.category,
      rootCause: query.rootCause,
      ownedBy: isSalesOnly(principal) ? principal.id : undefined,
    };
    const rows = await this.complaints.list(filter, decodeCursor(query.cursor), query.limit);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) => row,
    );
  }
}
