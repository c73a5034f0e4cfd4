import { Injectable } from '@nestjs/common';
import { type MessageSender, type OutgoingMessage, PermanentSendFailure } from './channels/message-sender.js';
import { sendAll } from './channels/send-all.js';
import type { SendSlots } from './channels/send-slots.js';
import { decideContact } from './contact-gate.js';
import { ContactGate, renderMessage } from './contact-gate.service.js';
import {
  OutreachMessagesRepository,
  type SendingRow,
  type SendOutcome,
  toRecipient,
} from './outreach-messages.repository.js';

export interface BatchResult {
  sent: number;
  failed: number;
  /** Held back by the gate's second look (suppressed or deferred). */
  held: number;
  /** Failed for now (a 429, a 5xx, a timeout): the job is retried for these, with backoff. */
  retry: { id: string; error: string }[];
}

/**
 * Sends one send job's batch of queued messages on one channel: one statement reads them (still
 * queued for this job) with their templates and the customers' contacts now; the contact gate takes
 * a second look at each (consent for the channel, marketing opt-out, open problems, quiet hours —
 * the customer may have changed their mind while the message waited; caps and duplicates were
 * counted when it was decided, and it counts for them itself); the channel gets them concurrently
 * (within the process's send slots; in batch requests when its provider takes them); one statement records every outcome with its history row.
 * Idempotent: a rerun finds the messages already sent no longer queued and leaves them alone. A
 * message the channel refused for good fails at once; one it failed for now stays queued and the
 * job is retried for it (recorded as failed on the last attempt).
 */
@Injectable()
export class SendMessageBatch {
  constructor(
    private readonly messages: OutreachMessagesRepository,
    private readonly gate: ContactGate,
  ) {}

  async execute(
    jobId: string,
    ids: string[],
    sender: MessageSender,
    slots: SendSlots,
    lastAttempt: boolean,
  ): Promise<BatchResult> {
    const rows = await this.messages.readQueuedForSending(jobId, ids);
    const now = new Date();
    const outcomes: SendOutcome[] = [];
    const retry: BatchResult['retry'] = [];
    const ready: { message: OutgoingMessage; text: { subject: string; body: string; address: string } }[] = [];
    for (const row of rows) {
      const held = this.secondLook(row, now);
      if (held) {
        outcomes.push(held);
        continue;
      }
      try {
        const text = this.render(row);
        ready.push({ message: { id: row.id, channel: row.channel, ...text }, text });
      } catch (error) {
        outcomes.push({ id: row.id, status: 'failed', error: `template: ${(error as Error).message}` });
      }
    }
    const results = await sendAll(
      sender,
      slots,
      ready.map(({ message }) => message),
    );
    ready.forEach(({ message, text }, index) => {
      const result = results[index];
      if (!('error' in result))
        return outcomes.push({ id: message.id, status: 'sent', providerMessageId: result.providerMessageId, ...text });
      const error = result.error.message;
      if (result.error instanceof PermanentSendFailure || lastAttempt)
        return outcomes.push({ id: message.id, status: 'failed', error });
      return retry.push({ id: message.id, error });
    });
    await this.messages.recordOutcomes(jobId, outcomes);
    const count = (status: SendOutcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
    return {
      sent: count('sent'),
      failed: count('failed'),
      held: count('suppressed') + count('deferred'),
      retry,
    };
  }

  /**
   * The gate again, on the customer as they are now and on the message's own channel: a suppression
   * or a deferral (quiet hours have begun while it waited), or null when it may go. History is left
   * out: the caps and duplicates were decided with it, and the message is part of it.
   */
  private secondLook(row: SendingRow, now: Date): SendOutcome | null {
    if (!row.contact) return { id: row.id, status: 'suppressed', reason: 'customer-deleted' };
    const decision = decideContact(
      toRecipient(row.contact, []),
      { purpose: row.purpose, channels: [row.channel], contentKey: row.contentKey, now },
      this.gate.policy,
    );
    if (decision.decision === 'suppress') return { id: row.id, status: 'suppressed', reason: decision.reason };
    if (decision.decision === 'defer')
      return { id: row.id, status: 'deferred', reason: decision.reason, sendAt: decision.sendAt };
    return null;
  }

  /** The text as the channel gets it: stored when it was decided one by one, else rendered from its template now. */
  private render(row: SendingRow): { subject: string; body: string; address: string } {
    const { contact } = row;
    // The customer's address on the channel now: the gate has just checked there is one.
    const current = contact ? { email: contact.email, sms: contact.mobile, wechat: contact.wechat }[row.channel] : null;
    const address = current || row.address || '';
    if (row.body || !row.template || !contact) return { subject: row.subject, body: row.body, address };
    return { ...renderMessage(row.template, contact, row.channel), address };
  }
}
