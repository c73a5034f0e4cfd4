import { Injectable } from '@nestjs/common';
import { NotFound } from '../../common/errors/domain-errors.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import {
  type ContactDecision,
  type ContactPolicy,
  type ContactRequest,
  DEFAULT_CONTACT_POLICY,
  decideContact,
} from './contact-gate.js';
import { chineseSalutation, renderHtml, renderText, type TemplateContext } from './message-template.js';
import { type ContactRow, OutreachMessagesRepository, toRecipient } from './outreach-messages.repository.js';

const DAY_MS = 86_400_000;

/** Reads what the gate needs about one customer and asks it; the set-based twin is contact-gate.sql.ts. */
@Injectable()
export class ContactGate {
  readonly policy: ContactPolicy = DEFAULT_CONTACT_POLICY;

  constructor(private readonly messages: OutreachMessagesRepository) {}

  async decide(
    customerId: string,
    request: ContactRequest,
    tx?: Tx,
  ): Promise<{ contact: ContactRow; decision: ContactDecision }> {
    const contact = await this.messages.contact(customerId, tx);
    if (!contact) throw new NotFound('Customer', customerId);
    const lookBack = Math.max(
      this.policy.duplicateWindowDays,
      ...Object.values(this.policy.caps).map((cap) => cap?.days ?? 0),
    );
    const recent = await this.messages.recent(customerId, new Date(request.now.getTime() - lookBack * DAY_MS), tx);
    return { contact, decision: decideContact(toRecipient(contact, recent), request, this.policy) };
  }
}

/** What a template may use about the customer. */
export function templateContext(contact: ContactRow): TemplateContext {
  return {
    salutation: chineseSalutation(contact.name, contact.gender),
    name: contact.name,
    tier: contact.tier,
    points: contact.points,
  };
}

/** The message's subject and body as the channel gets them (HTML-escaped for e-mail). */
export function renderMessage(
  template: { subject: string; body: string },
  contact: ContactRow,
  channel: string | null,
  variables: Record<string, string> = {},
): { subject: string; body: string } {
  const context = { ...variables, ...templateContext(contact) };
  return {
    subject: renderText(template.subject, context),
    body: channel === 'email' ? renderHtml(template.body, context) : renderText(template.body, context),
  };
}
