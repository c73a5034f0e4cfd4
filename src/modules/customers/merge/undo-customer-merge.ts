import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { CustomerMergeSteps } from '../../../common/customer-data/customer-merge-steps.js';
import { NotFound } from '../../../common/errors/domain-errors.js';
import { TransactionRunner } from '../../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { PROFILE_COLUMNS } from '../customer-fields.js';
import { CustomersRepository } from '../customers.repository.js';
import { CustomersEvents } from '../customers.events.js';
import { MergeNotUndoable } from '../customers-errors.js';
import type { CustomerDto } from '../dto/customer.dto.js';
import { CustomerMergesRepository, type CustomerMergeRow } from './customer-merges.repository.js';
import { MERGE_MODULES, mergedProfile } from './merge-customers.js';

/**
 * `POST /customers/merges/{id}/undo`, within 30 days: every module moves back what its step moved
 * (in the reverse order), the survivor's fields the merge filled go back to what they were, and the
 * duplicate is a live customer again. Refused (409) when it cannot be exact — the survivor spent
 * points that came with the duplicate, or the duplicate was merged elsewhere since. Undoing an undone
 * merge answers with it.
 */
@Injectable()
export class UndoCustomerMerge {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly merges: CustomerMergesRepository,
    private readonly customers: CustomersRepository,
    private readonly steps: CustomerMergeSteps,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  async execute(mergeId: string, principal: Principal, requestId?: string): Promise<CustomerMergeRow> {
    return this.transactions.run(async (tx) => {
      const merge = await this.merges.lock(tx, mergeId);
      if (!merge) throw new NotFound('Merge', mergeId);
      if (merge.undoneAt) return merge;
      if (merge.undoUntil.getTime() < Date.now())
        throw new MergeNotUndoable(`Merge ${mergeId} is older than 30 days and can no longer be undone.`);
      const { survivorId, duplicateId } = merge;
      await this.merges.lockPair(tx, [survivorId, duplicateId]);
      if (!(await this.customers.lockById(tx, survivorId)))
        throw new MergeNotUndoable('The surviving customer has been deleted or merged since; undo that first.');

      const pair = { mergeId, survivorId, duplicateId };
      for (const module of [...MERGE_MODULES].reverse()) {
        const moved = merge.moved[module];
        if (!moved) continue;
        try {
          await this.steps.get(module)!.moveBack(tx, pair, moved.undo);
        } catch (error) {
          if ((error as { code?: string }).code === '23514')
            throw new MergeNotUndoable(
              `The ${module} data of the survivor changed since the merge (e.g. points that came with the duplicate were spent); it cannot be undone exactly.`,
            );
          throw error;
        }
      }
      const before = merge.survivorBefore as unknown as CustomerDto;
      const changed = mergedProfile(before, merge.duplicateSnapshot as unknown as CustomerDto, merge.fieldChoices);
      const restore: Record<string, unknown> = {};
      for (const [field, column] of Object.entries(PROFILE_COLUMNS))
        if (column in changed) restore[column] = (before as unknown as Record<string, unknown>)[field] ?? null;
      if ('zodiac' in changed) restore.zodiac = before.zodiac ?? null;
      if ('custom_fields' in changed) restore.custom_fields = JSON.stringify(before.customFields ?? {});
      if (Object.keys(restore).length) await this.customers.update(tx, survivorId, restore);
      await this.merges.unmarkMerged(tx, duplicateId);
      await this.merges.markUndone(tx, mergeId, `${principal.kind}:${principal.id}`);
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.merge_undone',
        entityType: 'customer',
        entityId: survivorId,
        after: { mergeId, duplicateId },
      });
      await this.outbox.record(tx, CustomersEvents.customerMergeUndone, survivorId, {
        mergeId,
        survivorId,
        duplicateId,
      });
      return (await this.merges.find(mergeId, tx))!;
    });
  }
}
