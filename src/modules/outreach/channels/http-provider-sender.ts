import { type MessageSender, type OutgoingMessage, PermanentSendFailure } from './message-sender.js';

const TIMEOUT_MS = 10_000;

/**
 * SMS or WeChat through a provider's HTTP API: `POST {base}/messages {to, text, reference, callbackUrl}`
 * with a bearer token; 2xx `{id}` is accepted, 429 and 5xx are retried (BullMQ backs off), another 4xx
 * is a refusal for good. `reference` is the message id: providers de-duplicate a retried send on it.
 * Delivery reports come back to `callbackUrl` (POST /outreach/messages/{id}/status, key with outreach:report).
 */
export class HttpProviderSender implements MessageSender {
  constructor(
    private readonly channel: string,
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly callbackBaseUrl: string,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }> {
    if (!this.baseUrl) throw new PermanentSendFailure(`no ${this.channel} provider is configured`);
    const response = await fetch(new URL('messages', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
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
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.ok) {
      const body = safeJson(text);
      return { providerMessageId: typeof body?.id === 'string' ? body.id : null };
    }
    const summary = `${this.channel} provider answered ${response.status}: ${text.slice(0, 200)}`;
    if (response.status === 429 || response.status >= 500) throw new Error(summary);
    throw new PermanentSendFailure(summary);
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
