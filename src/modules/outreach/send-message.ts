import { Injectable } from '@nestjs/common';
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
  ) {}

  async execute(messageId: string, sender: MessageSender): Promise<SendOutcome> {
    // A locking read: the dispatcher adds this job before its transaction commits and holds the row
    // until then, so this read waits for the commit and sees `queued` (a plain read could still see
    // `pending`, end the job as "not queued", and leave the message queued for ever).
    const message = await this.messages.readAfterLocks(messageId);
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
    // One statement: moved to `sent` only while still `queued`, with its history row.
    await this.messages.recordOutcome(messageId, { status: 'sent', providerMessageId, subject, body });
    return 'sent';
  }

  /** The last attempt failed, or the channel refused for good. */
  async fail(messageId: string, error: string): Promise<void> {
    await this.messages.recordOutcome(messageId, { status: 'failed', error: error.slice(0, 1000) });
  }
}
