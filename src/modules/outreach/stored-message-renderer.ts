import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { CampaignsRepository } from './campaigns.repository.js';
import type { MessageChannel } from './contact-gate.js';
import { renderMessage } from './contact-gate.service.js';
import { OutreachMessagesRepository } from './outreach-messages.repository.js';
import { OutreachRulesRepository } from './outreach-rules.repository.js';

export interface StoredMessage {
  customerId: string;
  channel: MessageChannel | null;
  subject: string;
  body: string;
  ruleId: string | null;
  campaignId: string | null;
}

const CACHED_CAMPAIGNS = 100;

/**
 * Messages decided set-based (daily scans, campaigns) are stored without a body and rendered from
 * their rule's or campaign's template when they go — a send, or a care call's task. A campaign's
 * content cannot change once it is launched (and its messages exist only from then on), so its
 * template is read once per process, not once per message.
 */
@Injectable()
export class StoredMessageRenderer {
  private readonly campaignTemplates = new Map<string, { subject: string; body: string }>();

  constructor(
    private readonly messages: OutreachMessagesRepository,
    private readonly rules: OutreachRulesRepository,
    private readonly campaigns: CampaignsRepository,
  ) {}

  async render(message: StoredMessage, tx?: Tx): Promise<{ subject: string; body: string }> {
    if (message.body) return { subject: message.subject, body: message.body };
    const template = message.ruleId
      ? await this.rules.findById(message.ruleId)
      : message.campaignId
        ? await this.campaignTemplate(message.campaignId)
        : null;
    const contact = await this.messages.contact(message.customerId, tx);
    return template && contact
      ? renderMessage(template, contact, message.channel)
      : { subject: message.subject, body: message.body };
  }

  private async campaignTemplate(id: string): Promise<{ subject: string; body: string } | null> {
    const cached = this.campaignTemplates.get(id);
    if (cached) return cached;
    const campaign = await this.campaigns.findById(id);
    if (!campaign) return null;
    if (this.campaignTemplates.size >= CACHED_CAMPAIGNS) this.campaignTemplates.clear();
    const template = { subject: campaign.subject, body: campaign.body };
    this.campaignTemplates.set(id, template);
    return template;
  }
}
