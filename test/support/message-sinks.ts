import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// The outreach channels' far ends, on loopback: a real SMTP server (the smtp-server package) that keeps
// every mail it is given, and an SMS/WeChat provider speaking the HTTP interface HttpProviderSender
// uses (one message a request, or a batch with a result per message), which accepts, rejects or
// rate-limits by recipient (its delivery reports are posted by the tests
// to the callbackUrl it was given, through the test app's HTTP client).

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  messageId: string | null;
}

export interface SmtpSink {
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
          raw,
          subject: decodeHeader(/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? ''),
          messageId: /^X-CRM-Message-Id: (.*)$/im.exec(raw)?.[1]?.trim() ?? null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=), as nodemailer writes non-ASCII subjects. */
function decodeHeader(value: string): string {
  return value
    .replace(/\r\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
      encoding.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

export interface ProviderRequest {
  to: string;
  text: string;
  reference: string;
  callbackUrl?: string;
}

export type ProviderBehaviour = 'accept' | 'reject' | 'rate-limit-once';

export interface LocalProvider {
  url: string;
  /** Every request accepted (the ones the provider would deliver). */
  accepted: ProviderRequest[];
  /** Every message asked for, alone or within a batch, whatever was answered. */
  requests: ProviderRequest[];
  /** Every batch request (`POST /messages/batch`) taken, as its messages. */
  batches: ProviderRequest[][];
  /** How many of the next batch requests are answered 503 as a whole (nothing in them taken). */
  unavailableBatches: number;
  /** How the provider treats a recipient (default: accept). */
  behaviour: Map<string, ProviderBehaviour>;
  /** The provider's id of each accepted message, by our reference (the message id). */
  providerIds: Map<string, string>;
  close(): Promise<void>;
}

export async function startLocalProvider(): Promise<LocalProvider> {
  const rateLimited = new Set<string>();
  let counter = 0;
  const provider: LocalProvider = {
    url: '',
    accepted: [],
    requests: [],
    batches: [],
    unavailableBatches: 0,
    behaviour: new Map(),
    providerIds: new Map(),
    close: async () => undefined,
  };
  /** One message as the provider takes it, single or within a batch: its status, id or error. */
  const take = (message: ProviderRequest): { status: number; id?: string; error?: string } => {
    provider.requests.push(message);
    const behaviour = provider.behaviour.get(message.to) ?? 'accept';
    if (behaviour === 'reject') return { status: 400, error: 'invalid recipient' };
    if (behaviour === 'rate-limit-once' && !rateLimited.has(message.reference)) {
      rateLimited.add(message.reference);
      return { status: 429, error: 'slow down' };
    }
    counter += 1;
    const id = `prov-${counter}`;
    provider.accepted.push(message);
    provider.providerIds.set(message.reference, id);
    return { status: 202, id };
  };
  const server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      if (request.url?.endsWith('/messages/batch')) {
        if (provider.unavailableBatches > 0) {
          provider.unavailableBatches -= 1;
          response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"try again later"}');
          return;
        }
        const { messages } = body as { messages: ProviderRequest[] };
        provider.batches.push(messages);
        const results = messages.map((message) => ({ reference: message.reference, ...take(message) }));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
        return;
      }
      const { status, id, error } = take(body as ProviderRequest);
      if (status === 429) response.writeHead(429, { 'retry-after': '1' });
      else response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(id ? { id } : { error }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return provider;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}
