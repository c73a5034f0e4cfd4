import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal.js';
import { actorOf } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import {
  type CustomerMergePair,
  CustomerMergeSteps,
  type MovedRows,
} from '../../../common/customer-data/customer-merge-steps.js';
import { NotFound, Unprocessable } from '../../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { CustomerAccess } from '../customer-access.js';
import { PROFILE_COLUMNS } from '../customer-fields.js';
import { toCustomerDto } from '../customer.presenter.js';
import { CustomersRepository } from '../customers.repository.js';
import { CustomersEvents } from '../customers.events.js';
import type { CustomerDto } from '../dto/customer.dto.js';
import { zodiacOf } from '../zodiac.js';
import { PersonalDataRepository } from '../personal-data/personal-data.repository.js';
import { CustomerMergesRepository, type CustomerMergeRow } from './customer-merges.repository.js';

/** How long a merge can be undone from its log. */
export const MERGE_UNDO_DAYS = 30;

/**
 * Every module that owns customer-linked rows. A merge refuses to run in a process where one of them
 * has not registered its step (it would leave that module's rows with the duplicate).
 */
export const MERGE_MODULES = [
  'customers',
  'loyalty',
  'service-requests',
  'complaints',
  'sales',
  'outreach',
  'feedback',
  'tasks',
];

/** Profile fields a merge may take from either customer; the owner stays the survivor's. */
export const MERGEABLE_FIELDS = Object.keys(PROFILE_COLUMNS).filter((field) => field !== 'ownerId');

export interface MergeCommand {
  survivorId: string;
  duplicateId: string;
  fieldChoices: Record<string, 'survivor' | 'duplicate'>;
  principal: Principal;
  requestId?: string;
}

/**
 * `POST /customers/{id}/merge`: keeps the survivor and moves everything of the duplicate to it, in one
 * transaction — the profile (the survivor's values, gaps filled from the duplicate, or as
 * `fieldChoices` say; custom fields likewise), then each module's rows through that module's own
 * merge step (customers: purchases, interactions, timeline, consents with the stricter answer;
 * loyalty: ledger, balance, redemptions, tier history; service requests; complaints; sales; outreach;
 * tasks) — records the merge log with the duplicate's snapshot and what moved, an audit row and
 * `customer.merged`. The duplicate is soft-deleted and points at the survivor. A retried merge of the
 * same pair answers with the first one's log.
 */
@Injectable()
export class MergeCustomers implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly merges: CustomerMergesRepository,
    private readonly customers: CustomersRepository,
    private readonly steps: CustomerMergeSteps,
    private readonly access: CustomerAccess,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    private readonly personalData: PersonalDataRepository,
  ) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'customers',
      moveToSurvivor: (tx, pair) => this.merges.moveOwnRows(tx, pair.survivorId, pair.duplicateId),
      exportRows: (tx, customerId) => this.merges.exportOwnRows(tx, customerId),
      moveBack: (tx, pair, undo) => this.merges.moveOwnRowsBack(tx, pair.survivorId, pair.duplicateId, undo),
      erase: (tx, erasure) => this.personalData.eraseOwnRows(tx, erasure),
    });
  }

  async execute(command: MergeCommand): Promise<{ merge: CustomerMergeRow; created: boolean }> {
    const { survivorId, duplicateId, principal } = command;
    if (survivorId === duplicateId)
      throw new Unprocessable('A customer cannot be merged into itself.', [
        { field: 'duplicateId', message: 'duplicateId must be another customer' },
      ]);
    const missing = MERGE_MODULES.filter((module) => !this.steps.get(module));
    if (missing.length) throw new Error(`merge steps missing in this process: ${missing.join(', ')}`);

    return this.transactions.run(async (tx) => {
      await this.merges.lockPair(tx, [survivorId, duplicateId]);
      const earlier = await this.merges.activeOfDuplicate(duplicateId, tx);
      if (earlier && earlier.survivorId === survivorId) return { merge: earlier, created: false };
      const survivor = await this.customers.lockById(tx, survivorId);
      if (!survivor) throw new NotFound('Customer', survivorId);
      const duplicate = await this.customers.lockById(tx, duplicateId);
      if (!duplicate)
        throw new Unprocessable('The duplicate does not exist or was already merged.', [
          { field: 'duplicateId', message: 'no live customer has this id' },
        ]);
      await this.access.assertMayChange(principal, survivor.ownerId, 'the surviving customer');
      await this.access.assertMayChange(principal, duplicate.ownerId, 'the duplicate customer');

      const before = toCustomerDto(survivor);
      const snapshot = toCustomerDto(duplicate);
      const mergeId = await this.merges.insert(
        tx,
        {
          survivorId,
          duplicateId,
          fieldChoices: command.fieldChoices,
          survivorBefore: before as unknown as Record<string, unknown>,
          duplicateSnapshot: snapshot as unknown as Record<string, unknown>,
          ...actorOf(principal),
        },
        MERGE_UNDO_DAYS,
      );
      // The duplicate goes first: its profile then no longer competes with the survivor's in reads.
      await this.merges.markMerged(tx, duplicateId, survivorId);
      const columns = mergedProfile(before, snapshot, command.fieldChoices);
      if (Object.keys(columns).length) await this.customers.update(tx, survivorId, columns);

      const pair: CustomerMergePair = { mergeId, survivorId, duplicateId };
      const moved: Record<string, MovedRows> = {};
      for (const module of MERGE_MODULES) moved[module] = await this.steps.get(module)!.moveToSurvivor(tx, pair);
      await this.merges.recordMoved(tx, mergeId, moved);
      const counts = Object.fromEntries(Object.entries(moved).map(([module, rows]) => [module, rows.counts]));
      // Who merged which ids, and the counts: the values stay in the merge log (erased with the customer).
      await this.audit.record(tx, principal, command.requestId, {
        action: 'customer.merged',
        entityType: 'customer',
        entityId: survivorId,
        fields: Object.keys(columns),
        after: { mergeId, duplicateId, moved: counts },
      });
      await this.outbox.record(tx, CustomersEvents.customerMerged, survivorId, {
        mergeId,
        survivorId,
        duplicateId,
        moved: counts,
      });
      return { merge: (await this.merges.find(mergeId, tx))!, created: true };
    });
  }
}

/**
 * The survivor's columns to change: a field the caller chose from the duplicate, or one the survivor
 * lacks and the duplicate has; custom fields key by key the same way.
 */
export function mergedProfile(
  survivor: CustomerDto,
  duplicate: CustomerDto,
  choices: Record<string, 'survivor' | 'duplicate'>,
): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  const s = survivor as unknown as Record<string, unknown>;
  const d = duplicate as unknown as Record<string, unknown>;
  for (const field of MERGEABLE_FIELDS) {
    const column = PROFILE_COLUMNS[field as keyof typeof PROFILE_COLUMNS];
    const takeDuplicate =
      choices[field] === 'duplicate' || (choices[field] === undefined && isEmpty(s[field]) && !isEmpty(d[field]));
    if (takeDuplicate && JSON.stringify(s[field]) !== JSON.stringify(d[field]) && d[field] !== null) {
      columns[column] = d[field];
      if (field === 'birthDate') columns.zodiac = typeof d[field] === 'string' ? zodiacOf(d[field]) : null;
    }
  }
  const customFields = { ...(duplicate.customFields ?? {}), ...(survivor.customFields ?? {}) };
  for (const [key, choice] of Object.entries(choices))
    if (key.startsWith('customFields.') && choice === 'duplicate') {
      const name = key.slice('customFields.'.length);
      if (name in (duplicate.customFields ?? {})) customFields[name] = duplicate.customFields[name];
    }
  if (JSON.stringify(customFields) !== JSON.stringify(survivor.customFields ?? {}))
    columns.custom_fields = JSON.stringify(customFields);
  return columns;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}
