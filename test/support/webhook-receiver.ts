import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { API, bearer, type TestApp } from './test-app.js';

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
  receivedAt: number;
}

/** What the receiver answers to the n-th request it gets for one webhook-id (1-based): a status, or no answer at all. */
export type Behaviour = (attempt: number, webhookId: string) => number | 'hang';

/**
 * A partner's server on loopback. It verifies every request with the standardwebhooks package, as a
 * partner would, and counts a request only when the signature checks out with the secret it was given.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: { reason: string; headers: IncomingMessage['headers'] }[] = [];
  secrets: string[] = [];
  /** How long the receiver takes over each answer. */
  delayMs = 0;
  private server?: Server;
  private readonly attemptsById = new Map<string, number>();

  /** When each request for a webhook-id came in (ms since the epoch). */
  readonly attemptTimes = new Map<string, number[]>();
  /** Sent as Retry-After with a 429 or 503 answer. */
  retryAfter?: string;

  constructor(public behaviour: Behaviour = () => 204) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    const { port } = this.server!.address() as { port: number };
    return `http://127.0.0.1:${port}/hooks`;
  }

  arrivalsOf(webhookId: string): ReceivedWebhook[] {
    return this.received.filter((webhook) => webhook.webhookId === webhookId);
  }

  attemptsFor(webhookId: string): number {
    return this.attemptsById.get(webhookId) ?? 0;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookId = String(request.headers['webhook-id']);
      const attempt = (this.attemptsById.get(webhookId) ?? 0) + 1;
      this.attemptsById.set(webhookId, attempt);
      this.attemptTimes.set(webhookId, [...(this.attemptTimes.get(webhookId) ?? []), Date.now()]);
      const answer = this.behaviour(attempt, webhookId);
      if (answer === 'hang') return; // never answers: the sender must time out
      if (answer >= 200 && answer < 300) {
        const verified = this.secrets.some((secret) => {
          try {
            new Webhook(secret).verify(body, request.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        });
        if (!verified) {
          this.rejected.push({ reason: 'signature', headers: request.headers });
          response.writeHead(401).end('bad signature');
          return;
        }
        this.received.push({
          webhookId,
          timestamp: String(request.headers['webhook-timestamp']),
          signature: String(request.headers['webhook-signature']),
          body,
          payload: JSON.parse(body),
          receivedAt: Date.now(),
        });
      }
      const throttled =
        (answer === 429 || answer === 503) && this.retryAfter !== undefined ? { 'retry-after': this.retryAfter } : {};
      const respond = () =>
        response
          .writeHead(answer, { 'content-type': 'text/plain', ...throttled })
          .end(answer >= 400 ? `refused with ${answer}` : 'ok');
      if (this.delayMs) setTimeout(respond, this.delayMs);
      else respond();
    });
  }
}

/** The partners of one test file: receivers started on loopback and registered as endpoints, all closed at the end. */
export class WebhookPartners {
  private readonly started: WebhookReceiver[] = [];

  constructor(private readonly app: () => TestApp) {}

  receiver = async (behaviour?: Behaviour): Promise<WebhookReceiver> => {
    const started = await new WebhookReceiver(behaviour).start();
    this.started.push(started);
    return started;
  };

  /** Registers an endpoint for the receiver, which then verifies with the secret it was given. */
  subscribe = async (
    target: WebhookReceiver,
    eventTypes: string[],
    token = this.app().adminToken,
    url = target.url,
  ) => {
    const response = await this.app()
      .http.post(`${API}/webhooks`)
      .set(bearer(token))
      .send({ url, eventTypes })
      .expect(201);
    target.secrets = [response.body.secret];
    return response.body as { id: string; secret: string; version: number };
  };

  /** Events committed straight into the outbox (non-ASCII payload included), with a type of the test's own so tests do not see each other's. */
  emit = async (type: string, count = 1): Promise<string[]> => {
    const { rows } = await this.app().db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload)
       SELECT $1, 'test', g::text, jsonb_build_object('n', g, 'name', '张伟') FROM generate_series(1, $2::int) g RETURNING event_id`,
      [type, count],
    );
    return rows.map((row: { event_id: string }) => row.event_id);
  };

  async closeAll(): Promise<void> {
    await Promise.all(this.started.map((receiver) => receiver.close()));
  }
}
