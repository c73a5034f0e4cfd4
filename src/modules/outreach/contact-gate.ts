import { localParts, zonedInstant } from '../../common/time/zoned-time.js';
import type { ContactChannel } from '../customers/customer-fields.js';

/**
 * The contact gate (R-O2, R-C11, R-P5): every outbound message — care, campaign, report-back — is
 * decided here before it is queued, and the decision and its reason are stored on the message.
 * `contact-gate.sql.ts` is the same rules as one SQL expression for set-based use (campaign launches,
 * daily scans); a medium test holds the two to the same answers.
 */

export const PURPOSES = ['care', 'service', 'marketing'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const MESSAGE_CHANNELS = ['email', 'sms', 'wechat', 'phone'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/** The consent (customers module, `customer_consents.channel`) each message channel needs. */
export const CONSENT_CHANNEL: Record<MessageChannel, ContactChannel> = {
  email: 'email',
  sms: 'sms',
  wechat: 'social',
  phone: 'phone',
};

/** Why a message was not sent (suppressed) or not sent now (deferred), in the order the gate checks. */
export const GATE_REASONS = [
  'marketing-opt-out',
  'no-consent',
  'no-address',
  'open-problem',
  'duplicate-content',
  'frequency-cap',
  'quiet-hours',
] as const;
export type GateReason = (typeof GATE_REASONS)[number];

export interface FrequencyCap {
  max: number;
  days: number;
}

export interface ContactPolicy {
  /** Local minutes of day: no message is sent from `quietFrom` until `quietUntil` (may span midnight). */
  quietFrom: number;
  quietUntil: number;
  defaultTimeZone: string;
  caps: Record<Purpose, FrequencyCap | null>;
  /** The same content (template) is not sent to a customer twice within this many days. */
  duplicateWindowDays: number;
}

export const DEFAULT_CONTACT_POLICY: ContactPolicy = {
  quietFrom: 21 * 60,
  quietUntil: 8 * 60,
  defaultTimeZone: 'Asia/Shanghai',
  caps: { marketing: { max: 2, days: 7 }, care: { max: 3, days: 7 }, service: null },
  duplicateWindowDays: 30,
};

/** A message the customer was sent or will be sent (not suppressed, not failed): what caps and duplicates count. */
export interface PastMessage {
  purpose: Purpose;
  contentKey: string;
  sendAt: Date;
}

export interface Recipient {
  /** Consent channel → opted in (absent: never asked, which is no consent). */
  consents: Record<string, boolean>;
  marketingOptOut: boolean;
  addresses: Partial<Record<MessageChannel, string | null>>;
  timeZone: string | null;
  /** An open complaint or an overdue service request (R-P5). */
  hasOpenProblem: boolean;
  recent: PastMessage[];
}

export interface ContactRequest {
  purpose: Purpose;
  /** The rule's or campaign's channel preference order. */
  channels: readonly MessageChannel[];
  contentKey: string;
  now: Date;
}

export type ContactDecision =
  | { decision: 'send'; reason: null; channel: MessageChannel; address: string; sendAt: Date }
  | { decision: 'defer'; reason: 'quiet-hours'; channel: MessageChannel; address: string; sendAt: Date }
  | {
      decision: 'suppress';
      reason: Exclude<GateReason, 'quiet-hours'>;
      channel: MessageChannel | null;
      address: null;
      sendAt: Date;
    };

const DAY_MS = 86_400_000;

/** The one decision every message passes. Pure: everything it needs is in its arguments. */
export function decideContact(
  recipient: Recipient,
  request: ContactRequest,
  policy: ContactPolicy = DEFAULT_CONTACT_POLICY,
): ContactDecision {
  const { purpose, now } = request;
  const suppress = (
    reason: Exclude<GateReason, 'quiet-hours'>,
    channel: MessageChannel | null = null,
  ): ContactDecision => ({ decision: 'suppress', reason, channel, address: null, sendAt: now });

  if (purpose === 'marketing' && recipient.marketingOptOut) return suppress('marketing-opt-out');
  const consented = request.channels.filter((channel) => recipient.consents[CONSENT_CHANNEL[channel]] === true);
  if (consented.length === 0) return suppress('no-consent');
  const channel = consented.find((candidate) => nonEmpty(recipient.addresses[candidate]));
  if (!channel) return suppress('no-address');
  if (purpose === 'marketing' && recipient.hasOpenProblem) return suppress('open-problem', channel);

  const duplicateSince = now.getTime() - policy.duplicateWindowDays * DAY_MS;
  if (recipient.recent.some((past) => past.contentKey === request.contentKey && past.sendAt.getTime() > duplicateSince))
    return suppress('duplicate-content', channel);
  const cap = policy.caps[purpose];
  if (cap) {
    const since = now.getTime() - cap.days * DAY_MS;
    const counted = recipient.recent.filter((past) => past.purpose === purpose && past.sendAt.getTime() > since);
    if (counted.length >= cap.max) return suppress('frequency-cap', channel);
  }

  const address = recipient.addresses[channel]!;
  // A call is a task for staff, who work their own hours; quiet hours protect the customer's phone and inbox.
  if (channel !== 'phone') {
    const allowedAt = nextAllowedTime(now, recipient.timeZone ?? policy.defaultTimeZone, policy);
    if (allowedAt) return { decision: 'defer', reason: 'quiet-hours', channel, address, sendAt: allowedAt };
  }
  return { decision: 'send', reason: null, channel, address, sendAt: now };
}

/** Inside the quiet hours of the zone: the end of them (the next allowed time); outside: null. */
export function nextAllowedTime(now: Date, timeZone: string, policy: ContactPolicy): Date | null {
  const local = localParts(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const { quietFrom, quietUntil } = policy;
  const spansMidnight = quietFrom > quietUntil;
  const quiet = spansMidnight ? minute >= quietFrom || minute < quietUntil : minute >= quietFrom && minute < quietUntil;
  if (!quiet) return null;
  // Quiet hours end today when we are before their end, otherwise tomorrow.
  const endsTomorrow = minute >= quietUntil;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)));
  return zonedInstant(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() },
    quietUntil,
    timeZone,
  );
}

function nonEmpty(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length > 0;
}
