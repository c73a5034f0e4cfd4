import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress, promises as dnsPromises } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { DestinationPolicy, ForbiddenDestination, hostOf } from './destination-policy.js';
import { retryAfterMs } from './retry-schedule.js';

/** What the partner's server answered, or why it did not. */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
  /** The wait the partner asked for with Retry-After on a 429 or 503. */
  retryAfterMs?: number | null;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const EXCERPT_BYTES = 1_024;
// Reading a little more than the excerpt lets the connection be reused; a bigger answer is cut off.
const MAX_RESPONSE_BYTES = 64 * 1_024;

/**
 * Posts webhooks over keep-alive connections. Every new connection resolves the host itself and
 * connects only to an address the destination policy allows, so a name that resolved to a public
 * address at registration cannot be rebound to a private one later. Redirects are not followed.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  readonly policy: DestinationPolicy;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly config: AppConfig) {
    this.policy = new DestinationPolicy(config.WEBHOOK_ALLOW_PRIVATE, config.webhookAllowedHosts, config.isProduction);
    const lookup = guardedLookup(this.policy);
    this.httpAgent = new http.Agent({ keepAlive: true, lookup });
    this.httpsAgent = new https.Agent({ keepAlive: true, lookup });
  }

  /**
   * The registration-time check: the URL's scheme and every address its host resolves to now. The
   * same rule runs again on every new connection (DNS may change in between).
   */
  async checkDestination(rawUrl: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new ForbiddenDestination('the URL is not a valid absolute URL');
    }
    this.policy.checkUrl(url);
    const host = hostOf(url);
    if (isIP(host)) return;
    let addresses: LookupAddress[];
    try {
      addresses = await dnsPromises.lookup(host, { all: true });
    } catch {
      throw new ForbiddenDestination(`${host} could not be resolved`);
    }
    for (const { address } of addresses) this.policy.checkAddress(address, host);
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  send(request: WebhookRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined = undefined;
      const finish = (result: Omit<SendResult, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, latencyMs: elapsed() });
      };
      let url: URL;
      try {
        url = new URL(request.url);
        this.policy.checkUrl(url);
      } catch (error) {
        finish({ statusCode: null, responseExcerpt: null, error: (error as Error).message });
        return;
      }
      const client = url.protocol === 'https:' ? https : http;
      const outgoing = client.request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': 'crm-webhooks/1',
          ...request.headers,
        },
      });
      timer = setTimeout(() => {
        outgoing.destroy();
        finish({
          statusCode: null,
          responseExcerpt: null,
          error: `timed out after ${this.config.WEBHOOK_TIMEOUT_MS} ms`,
        });
      }, this.config.WEBHOOK_TIMEOUT_MS);
      outgoing.on('error', (error) => finish({ statusCode: null, responseExcerpt: null, error: describe(error) }));
      outgoing.on('response', (response) => {
        const retryAfter =
          response.statusCode === 429 || response.statusCode === 503
            ? retryAfterMs(response.headers['retry-after'])
            : null;
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (chunks.reduce((sum, c) => sum + c.length, 0) < EXCERPT_BYTES) chunks.push(chunk);
          if (received > MAX_RESPONSE_BYTES) {
            response.destroy();
            outgoing.destroy();
            finish({
              statusCode: response.statusCode ?? null,
              responseExcerpt: excerpt(chunks),
              error: null,
              retryAfterMs: retryAfter,
            });
          }
        });
        response.on('end', () =>
          finish({
            statusCode: response.statusCode ?? null,
            responseExcerpt: excerpt(chunks),
            error: null,
            retryAfterMs: retryAfter,
          }),
        );
        response.on('error', (error) =>
          finish({
            statusCode: response.statusCode ?? null,
            responseExcerpt: excerpt(chunks),
            error: describe(error),
            retryAfterMs: retryAfter,
          }),
        );
      });
      outgoing.end(request.body);
    });
  }
}

function excerpt(chunks: Buffer[]): string | null {
  if (!chunks.length) return null;
  // NUL cannot be stored in Postgres text: a partner's odd answer must not break the attempt log.
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replaceAll('\u0000', '\ufffd');
}

function describe(error: Error & { code?: string }): string {
  const message = error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
  return message.replaceAll('\u0000', '\ufffd').slice(0, 1_000);
}

/** dns.lookup that refuses, at connection time, any address the policy does not allow. */
function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        if (!addresses.length) throw new Error(`${hostname} did not resolve`);
        for (const { address } of addresses) policy.checkAddress(address, hostname);
      } catch (refused) {
        return callback(refused as Error, '', 0);
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}
