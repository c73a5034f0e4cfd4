import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// The outreach channels' far ends, on loopback: a real SMTP server (the smtp-server package) that keeps
// every mail it is given, and an SMS/WeChat provider speaking the HTTP interface HttpProviderSender
// uses, which accepts, rejects or rate-limits by recipient (its delivery reports are posted by the tests
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
  /** Every request, whatever was answered. */
  requests: ProviderRequest[];
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
    behaviour: new Map(),
    providerIds: new Map(),
    close: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    void readJson(request).then((body) => {
      const message = body as ProviderRequest;
      provider.requests.push(message);
      const behaviour = provider.behaviour.get(message.to) ?? 'accept';
      if (behaviour === 'reject') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid recipient"}');
        return;
      }
      if (behaviour === 'rate-limit-once' && !rateLimited.has(message.reference)) {
        rateLimited.add(message.reference);
        response.writeHead(429, { 'retry-after': '1' }).end('{"error":"slow down"}');
        return;
      }
      counter += 1;
      const id = `prov-${counter}`;
      provider.accepted.push(message);
      provider.providerIds.set(message.reference, id);
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
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
