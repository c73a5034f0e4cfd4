import type { MessageChannel } from '../contact-gate.js';

/** A message on its way out: what a channel adapter needs, nothing more. */
export interface OutgoingMessage {
  id: string;
  channel: Exclude<MessageChannel, 'phone'>;
  address: string;
  subject: string;
  body: string;
}

/** What became of one message of a batch request: accepted (with the channel's id), or an error as `send` throws it. */
export type SendResult = { providerMessageId: string | null } | { error: Error };

/** One interface for every channel: e-mail over SMTP, SMS and WeChat through an HTTP provider. */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
  /**
   * Up to `batchSize` messages in one request, each answered on its own (in the order given); used
   * when `batchSize` is more than 1, else `send` takes them one at a time.
   */
  sendBatch?(messages: OutgoingMessage[]): Promise<SendResult[]>;
  readonly batchSize?: number;
  close?(): void;
}

/** The channel refused the message for good (bad address, rejected content): retrying cannot help. */
export class PermanentSendFailure extends Error {}
