import type { MessageChannel } from '../contact-gate.js';

/** A message on its way out: what a channel adapter needs, nothing more. */
export interface OutgoingMessage {
  id: string;
  channel: Exclude<MessageChannel, 'phone'>;
  address: string;
  subject: string;
  body: string;
}

/** One interface for every channel: e-mail over SMTP, SMS and WeChat through an HTTP provider. */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
  close?(): void;
}

/** The channel refused the message for good (bad address, rejected content): retrying cannot help. */
export class PermanentSendFailure extends Error {}
