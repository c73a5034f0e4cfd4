import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CustomerErasure,
  CustomerMergeSteps,
  ERASED_TEXT,
  ERASED_TEXTS_SELECT,
  type ErasedRows,
  erasedRows,
  eraseTexts,
  updatedRows,
} from '../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

interface OutreachUndo {
  messages: string[];
  /** Campaigns whose control-group row moved (one per campaign and customer). */
  campaigns: string[];
}

/**
 * The outreach module's part of a customer merge: the duplicate's messages move, so the survivor's
 * contact caps and 30-day duplicate-content rule count what either record was sent — and with them its
 * memberships of the campaigns that messaged it (campaign stats count a customer's purchases once
 * however many of its messages a campaign holds). Its control-group rows move too, except in a
 * campaign whose control group holds both, where the duplicate's row stays (the audience was counted
 * with both).
 */
@Injectable()
export class OutreachMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'outreach',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const messages = updatedRows<{ id: string }>(
          await tx.query(`UPDATE outreach_messages SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, [
            survivorId,
            duplicateId,
          ]),
        );
        const campaigns = updatedRows<{ id: string }>(
          await tx.query(
            `UPDATE campaign_control_group r SET customer_id = $1
             WHERE r.customer_id = $2 AND NOT EXISTS (
               SELECT 1 FROM campaign_control_group o WHERE o.campaign_id = r.campaign_id AND o.customer_id = $1)
             RETURNING campaign_id AS id`,
            [survivorId, duplicateId],
          ),
        );
        const undo: OutreachUndo = {
          messages: messages.map((row) => row.id),
          campaigns: campaigns.map((row) => row.id),
        };
        return { counts: { outreach_messages: messages.length, campaign_recipients: campaigns.length }, undo };
      },
      exportRows: async (tx, customerId) => ({
        outreach_messages: await tx.query(
          `SELECT * FROM outreach_messages WHERE customer_id = $1 ORDER BY created_at`,
          [customerId],
        ),
        outreach_message_events: await tx.query(
          `SELECT e.* FROM outreach_message_events e JOIN outreach_messages m ON m.id = e.message_id
           WHERE m.customer_id = $1 ORDER BY e.id`,
          [customerId],
        ),
        // The view of the campaigns the customer was in (messaged or held out), and the control-group rows it reads.
        campaign_recipients: await tx.query(`SELECT * FROM campaign_recipients WHERE customer_id = $1`, [customerId]),
        campaign_control_group: await tx.query(`SELECT * FROM campaign_control_group WHERE customer_id = $1`, [
          customerId,
        ]),
      }),
      erase: (tx, erasure) => erase(tx, erasure),
      moveBack: async (tx, { survivorId, duplicateId }, moved) => {
        const undo = moved as OutreachUndo;
        await tx.query(`UPDATE outreach_messages SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [
          undo.messages,
          duplicateId,
        ]);
        await tx.query(
          `UPDATE campaign_control_group SET customer_id = $2 WHERE customer_id = $3 AND campaign_id = ANY($1::uuid[])`,
          [undo.campaigns, duplicateId, survivorId],
        );
      },
    });
  }
}

/**
 * Messages keep their purpose, channel, campaign and delivery states (campaign returns count them);
 * the address, subject and body go, and a message not yet sent is suppressed, so nothing reaches an
 * erased customer. Campaign memberships hold only ids and stay.
 */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  const messages = await eraseTexts(
    tx,
    `WITH old AS (
       SELECT id, ARRAY[address, subject, body] AS texts FROM outreach_messages WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
     done AS (
       UPDATE outreach_messages m SET address = NULL, subject = $2, body = $2,
         status = CASE WHEN m.status IN ('pending', 'deferred', 'queued') THEN 'suppressed' ELSE m.status END,
         decision = CASE WHEN m.status IN ('pending', 'deferred', 'queued') THEN 'suppress' ELSE m.decision END,
         reason = CASE WHEN m.status IN ('pending', 'deferred', 'queued') THEN 'customer_erased' ELSE m.reason END,
         updated_at = now()
       FROM old WHERE m.id = old.id)
     ${ERASED_TEXTS_SELECT}`,
    [customerIds, ERASED_TEXT],
  );
  const events = await eraseTexts(
    tx,
    `WITH old AS (
       SELECT e.id, ARRAY[e.detail] AS texts FROM outreach_message_events e JOIN outreach_messages m ON m.id = e.message_id
       WHERE m.customer_id = ANY($1::uuid[]) AND e.detail IS NOT NULL FOR UPDATE OF e),
     done AS (UPDATE outreach_message_events e SET detail = NULL FROM old WHERE e.id = old.id)
     ${ERASED_TEXTS_SELECT}`,
    [customerIds],
  );
  return erasedRows({ outreach_messages: messages, outreach_message_events: events });
}
