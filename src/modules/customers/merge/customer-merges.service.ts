import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal.js';
import { NotFound, ValidationFailed, type FieldError } from '../../../common/errors/domain-errors.js';
import { UUID_PATTERN, type Page } from '../../../common/pagination/cursor.js';
import { isoTime } from '../../../common/http/iso-time.js';
import { CustomersRepository } from '../customers.repository.js';
import { CustomerDuplicatesRepository, type DuplicatePairRow } from './customer-duplicates.repository.js';
import type { CustomerMergeDto, DuplicateCandidateDto, MergeCustomerDto } from './customer-merge.dto.js';
import { CustomerMergesRepository, type CustomerMergeRow } from './customer-merges.repository.js';
import { DUPLICATE_THRESHOLD, scoreDuplicate } from './duplicate-score.js';
import { MERGEABLE_FIELDS, MergeCustomers } from './merge-customers.js';
import { UndoCustomerMerge } from './undo-customer-merge.js';

/** Duplicate candidates, merges and their undo. */
@Injectable()
export class CustomerMergesService {
  constructor(
    private readonly duplicates: CustomerDuplicatesRepository,
    private readonly merges: CustomerMergesRepository,
    private readonly customers: CustomersRepository,
    private readonly mergeCustomers: MergeCustomers,
    private readonly undoMerge: UndoCustomerMerge,
  ) {}

  /** Candidates for one customer, best first; the cursor is the last one's score and id. */
  async duplicatesOf(customerId: string, limit: number, cursor?: string): Promise<Page<DuplicateCandidateDto>> {
    if (!(await this.customers.findById(customerId))) throw new NotFound('Customer', customerId);
    const after = cursor ? decodePairCursor(cursor) : null;
    const scored = (await this.duplicates.of(customerId))
      .map(toCandidate)
      .filter((candidate) => candidate.score >= DUPLICATE_THRESHOLD)
      .sort((a, b) => b.score - a.score || a.candidateId.localeCompare(b.candidateId));
    const start = after
      ? scored.findIndex(
          (c) => c.score < Number(after[0]) || (c.score === Number(after[0]) && c.candidateId > after[1]),
        )
      : 0;
    const rest = start < 0 ? [] : scored.slice(start);
    const data = rest.slice(0, limit);
    const last = data.at(-1);
    return {
      data,
      nextCursor: rest.length > limit && last ? encodePairCursor([String(last.score), last.candidateId]) : null,
    };
  }

  /** Every candidate pair, in pair order (customerId < candidateId). */
  async allDuplicates(limit: number, cursor?: string): Promise<Page<DuplicateCandidateDto>> {
    const after = cursor ? decodePairCursor(cursor) : null;
    if (after && !UUID_PATTERN.test(after[0])) throw badCursor();
    const rows = await this.duplicates.pairs(after && { customerId: after[0], candidateId: after[1] }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toCandidate).filter((candidate) => candidate.score >= DUPLICATE_THRESHOLD),
      nextCursor: rows.length > limit && last ? encodePairCursor([last.customerId, last.candidateId]) : null,
    };
  }

  async merge(
    survivorId: string,
    dto: MergeCustomerDto,
    principal: Principal,
    requestId?: string,
  ): Promise<{ merge: CustomerMergeDto; created: boolean }> {
    const fieldChoices = dto.fieldChoices ?? {};
    const errors: FieldError[] = [];
    for (const [field, choice] of Object.entries(fieldChoices)) {
      if (!MERGEABLE_FIELDS.includes(field) && !/^customFields\.[a-zA-Z][a-zA-Z0-9]{0,49}$/.test(field))
        errors.push({ field: `fieldChoices.${field}`, message: `${field} is not a profile field a merge can choose` });
      else if (choice !== 'survivor' && choice !== 'duplicate')
        errors.push({ field: `fieldChoices.${field}`, message: 'a choice is survivor or duplicate' });
    }
    if (errors.length) throw new ValidationFailed(errors);
    const { merge, created } = await this.mergeCustomers.execute({
      survivorId,
      duplicateId: dto.duplicateId,
      fieldChoices,
      principal,
      requestId,
    });
    return { merge: toMergeDto(merge), created };
  }

  async undo(mergeId: string, principal: Principal, requestId?: string): Promise<CustomerMergeDto> {
    return toMergeDto(await this.undoMerge.execute(mergeId, principal, requestId));
  }

  async get(mergeId: string): Promise<CustomerMergeDto> {
    const merge = await this.merges.find(mergeId);
    if (!merge) throw new NotFound('Merge', mergeId);
    return toMergeDto(merge);
  }

  async mergesInto(customerId: string): Promise<CustomerMergeDto[]> {
    return (await this.merges.listOfSurvivor(customerId)).map(toMergeDto);
  }

  /** The survivor a merged customer's id now stands for, or null. */
  survivorOf(customerId: string): Promise<string | null> {
    return this.merges.survivorOf(customerId);
  }
}

function toCandidate(row: DuplicatePairRow): DuplicateCandidateDto {
  return { customerId: row.customerId, candidateId: row.candidateId, ...scoreDuplicate(row) };
}

export function toMergeDto(row: CustomerMergeRow): CustomerMergeDto {
  return {
    id: row.id,
    survivorId: row.survivorId,
    duplicateId: row.duplicateId,
    moved: Object.fromEntries(Object.entries(row.moved).map(([module, moved]) => [module, moved.counts])),
    mergedAt: isoTime(row.mergedAt),
    undoUntil: isoTime(row.undoUntil),
    undoneAt: row.undoneAt ? isoTime(row.undoneAt) : null,
  };
}

function encodePairCursor(position: [string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodePairCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      UUID_PATTERN.test(value[1])
    )
      return [value[0], value[1]];
  } catch {
    // the validation error below
  }
  throw badCursor();
}

function badCursor(): ValidationFailed {
  return new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
}
