import { Agent, request } from 'undici';
import { type MessageSender, type OutgoingMessage, PermanentSendFailure } from './message-sender.js';

const TIMEOUT_MS = 10_000;

/**
 * SMS or WeChat through a provider's HTTP API: `POST {base}/messages {to, text, reference, callbackUrl}`
 * with a bearer token; 2xx `{id}` is accepted, 429 and 5xx are retried (BullMQ backs off), another 4xx
 * is a refusal for good. `reference` is the message id: providers de-duplicate a retried send on it.
 * Delivery reports come back to `callbackUrl` (POST /outreach/messages/{id}/status, key with outreach:report).
 *
 * The client is undici's `request()` over this sender's own keep-alive connections (`connections`, the
 * process's sends in flight on the channel): global `fetch` is the same library wrapped in web streams,
 * a cloned Request and an AbortSignal per call, and cost about three times the CPU per message. Connect,
 * the answer's headers and each pause in its body must each come within 10 s.
 */
export class HttpProviderSender implements MessageSender {
  private readonly dispatcher: Agent;
  private readonly url: URL | null;

  constructor(
    private readonly channel: string,
    baseUrl: string,
    private readonly token: string,
    private readonly callbackBaseUrl: string,
    connections: number,
  ) {
    this.url = baseUrl ? new URL('messages', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : null;
    this.dispatcher = new Agent({
      connections,
      connect: { timeout: TIMEOUT_MS },
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
  }

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }> {
    if (!this.url) throw new PermanentSendFailure(`no ${this.channel} provider is configured`);
    const { statusCode, body } = await request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({
        to: message.address,
        text: message.body,
        reference: message.id,
        callbackUrl: this.callbackBaseUrl
          ? `${this.callbackBaseUrl.replace(/\/$/, '')}/api/v1/outreach/messages/${message.id}/status`
          : undefined,
      }),
      dispatcher: this.dispatcher,
    });
    const text = await body.text();
    if (statusCode >= 200 && statusCode < 300) {
      const answer = safeJson(text);
      return { providerMessageId: typeof answer?.id === 'string' ? answer.id : null };
    }
    const summary = `${this.channel} provider answered ${statusCode}: ${text.slice(0, 200)}`;
    if (statusCode === 429 || statusCode >= 500) throw new Error(summary);
    throw new PermanentSendFailure(summary);
  }

  close(): void {
    void this.dispatcher.close().catch(() => undefined);
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
