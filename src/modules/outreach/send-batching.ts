import type { AppConfig } from '../../infrastructure/config/app-config.js';
import type { MessageChannel } from './contact-gate.js';

/** The most messages one send job carries. */
export const SEND_BATCH_SIZE = 100;

export type SendChannel = Exclude<MessageChannel, 'phone'>;

/**
 * How a channel's messages are cut into send jobs. BullMQ's limiter counts jobs, not messages, so
 * with a limit of `perSecond` messages a batch holds at most `perSecond / jobsPerSecond` of them and
 * the limiter lets `jobsPerSecond` jobs start a second: never more messages a second than the limit.
 * Without a limit (0) a batch is SEND_BATCH_SIZE and the limiter is off.
 */
export function sendBatching(perSecond: number): { batchSize: number; jobsPerSecond: number | null } {
  if (!(perSecond > 0)) return { batchSize: SEND_BATCH_SIZE, jobsPerSecond: null };
  const jobsPerSecond = Math.ceil(perSecond / SEND_BATCH_SIZE);
  return { batchSize: Math.max(1, Math.floor(perSecond / jobsPerSecond)), jobsPerSecond };
}

/** The channel's limit in messages a second over all workers (0: none). */
export function channelPerSecond(config: AppConfig, channel: SendChannel): number {
  switch (channel) {
    case 'email':
      return config.OUTREACH_EMAIL_PER_SECOND;
    case 'sms':
      return config.OUTREACH_SMS_PER_SECOND;
    case 'wechat':
      return config.OUTREACH_WECHAT_PER_SECOND;
  }
}
