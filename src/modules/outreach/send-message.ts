import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { MessageSender } from './channels/message-sender.js';
import { OutreachMessagesRepository } from './outreach-messages.repository.js';
import { StoredMessageRenderer } from './stored-message-renderer.js';

export type SendOutcome = 'sent' | 'not queued' | 'gone';

/**
 * Hands one queued message to its channel and records the outcome. Idempotent: a message that is no
 * longer `queued` (sent by an earlier run of the job, or failed) is left alone. Messages decided
 * set-based (daily scans, campaigns) are rendered here, from their rule's or campaign's template, when they go.
 */
@Injectable()
export class SendMessage {
  constructor(
    private readonly messages: OutreachMessagesRepository,
    private readonly renderer: StoredMessageRenderer,
    private readonly transactions: TransactionRunner,
  ) {}

  async execute(messageId: string, sender: MessageSender): Promise<SendOutcome> {
    // Under the row lock: the dispatcher adds this job before its transaction commits and holds the
    // row until then, so this read waits for the commit and sees `queued` (a plain read could still
    // see `pending`, end the job as "not queued", and leave the message queued for ever).
    const message = await this.transactions.run((tx) => this.messages.lock(tx, messageId));
    if (!message) return 'gone';
    if (message.status !== 'queued' || !message.channel || message.channel === 'phone' || !message.address)
      return 'not queued';
    const { subject, body } = await this.renderer.render(message);
    const { providerMessageId } = await sender.send({
      id: message.id,
      channel: message.channel,
      address: message.address,
      subject,
      body,
    });
    await this.transactions.run(async (tx) => {
      const current = await this.messages.lock(tx, messageId);
      if (current?.status !== 'queued') return;
      await this.messages.setStatus(tx, messageId, 'sent', {
        columns: { provider_message_id: providerMessageId, subject, body, attempts: current.attempts + 1 },
      });
    });
    return 'sent';
  }

  /** The last attempt failed, or the channel refused for good. */
  async fail(messageId: string, error: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const current = await this.messages.lock(tx, messageId);
      if (current?.status !== 'queued') return;
      await this.messages.setStatus(tx, messageId, 'failed', {
        detail: error.slice(0, 1000),
        columns: { error: error.slice(0, 1000), attempts: current.attempts + 1 },
      });
    });
  }
}
