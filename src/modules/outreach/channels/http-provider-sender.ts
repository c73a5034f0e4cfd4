import { Agent, request } from 'undici';
import { type MessageSender, type OutgoingMessage, PermanentSendFailure, type SendResult } from './message-sender.js';

const TIMEOUT_MS = 10_000;

/**
 * SMS or WeChat through a provider's HTTP API, with a bearer token.
 *
 * One at a time: `POST {base}/messages {to, text, reference, callbackUrl}`; 2xx `{id}` is accepted, 429
 * and 5xx are retried (BullMQ backs off), another 4xx is a refusal for good. With a batch size over 1
 * (the provider's batch API, as Aliyun's SendBatchSms or Tencent's SendSms take many numbers with their
 * own parameters): `POST {base}/messages/batch {messages: [the same objects]}`, answered 2xx
 * `{results: [{reference, status, id?, error?}]}` — each message's `status` read as the single
 * endpoint's answer would be (2xx accepted, 429/5xx retried, another 4xx refused); a message without a
 * result is retried; the whole request answered 429/5xx retries every message in it, another 4xx
 * refuses them all. `reference` is the message id: providers de-duplicate a retried send on it.
 * Delivery reports come back to `callbackUrl` (POST /outreach/messages/{id}/status, key with outreach:report).
 *
 * The client is undici's `request()` over this sender's own keep-alive connections (`connections`, the
 * process's requests in flight on the channel): global `fetch` is the same library wrapped in web
 * streams, a cloned Request and an AbortSignal per call. Connect, the answer's headers and each pause
 * in its body must each come within 10 s.
 */
export class HttpProviderSender implements MessageSender {
  readonly batchSize: number;
  private readonly dispatcher: Agent;
  private readonly base: string | null;

  constructor(
    private readonly channel: string,
    baseUrl: string,
    private readonly token: string,
    private readonly callbackBaseUrl: string,
    { connections, batchSize = 1 }: { connections: number; batchSize?: number },
  ) {
    this.base = baseUrl ? (baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : null;
    this.batchSize = Math.max(1, batchSize);
    this.dispatcher = new Agent({
      connections,
      connect: { timeout: TIMEOUT_MS },
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  }

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }> {
    const { statusCode, text } = await this.post('messages', this.payload(message));
    const result = this.outcome(statusCode, text, safeJson(text)?.id);
    if ('error' in result) throw result.error;
    return result;
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<SendResult[]> {
    let answer: { statusCode: number; text: string };
    try {
      answer = await this.post('messages/batch', { messages: messages.map((message) => this.payload(message)) });
    } catch (error) {
      return messages.map(() => ({ error: error as Error }));
    }
    if (answer.statusCode < 200 || answer.statusCode >= 300) {
      const whole = this.outcome(answer.statusCode, answer.text, undefined);
      return messages.map(() => whole);
    }
    const results = safeJson(answer.text)?.results;
    const byReference = new Map<string, Record<string, unknown>>();
    if (Array.isArray(results))
      for (const item of results as Record<string, unknown>[])
        if (typeof item?.reference === 'string') byReference.set(item.reference, item);
    return messages.map((message) => {
      const item = byReference.get(message.id);
      if (!item || typeof item.status !== 'number')
        return { error: new Error(`${this.channel} provider's batch answer has no result for this message`) };
      return this.outcome(item.status, typeof item.error === 'string' ? item.error : '', item.id);
    });
  }

  close(): void {
    void this.dispatcher.close().catch(() => undefined);
  }

  private payload(message: OutgoingMessage) {
    return {
      to: message.address,
      text: message.body,
      reference: message.id,
      callbackUrl: this.callbackBaseUrl
        ? `${this.callbackBaseUrl.replace(/\/$/, '')}/api/v1/outreach/messages/${message.id}/status`
        : undefined,
    };
  }

  private async post(path: string, body: unknown): Promise<{ statusCode: number; text: string }> {
    if (!this.base) throw new PermanentSendFailure(`no ${this.channel} provider is configured`);
    const { statusCode, body: answer } = await request(new URL(path, this.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
      dispatcher: this.dispatcher,
    });
    return { statusCode, text: await answer.text() };
  }

  /** A status as the provider answered it for one message: accepted, retried (429, 5xx) or refused. */
  private outcome(status: number, text: string, id: unknown): SendResult {
    if (status >= 200 && status < 300) return { providerMessageId: typeof id === 'string' ? id : null };
    const summary = `${this.channel} provider answered ${status}: ${text.slice(0, 200)}`;
    if (status === 429 || status >= 500) return { error: new Error(summary) };
    return { error: new PermanentSendFailure(summary) };
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
