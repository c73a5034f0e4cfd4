import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';

/**
 * The process's one pino logger: JSON lines, secrets redacted. Written to stdout, or to `destination`
 * (the test that reads a run's logs for personal data).
 */
export function createRootLogger(config: Pick<AppConfig, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
        '*.key',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A request's URL as logged: the path, and of the query only the parameter names — a search (`?q=`,
 * a phone or e-mail prefix) names a person, and log lines never carry personal data.
 */
export function loggedUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const names = [...new Set([...new URLSearchParams(url.slice(start + 1)).keys()])];
  return names.length ? `${url.slice(0, start)}?${names.map((name) => `${name}=…`).join('&')}` : url.slice(0, start);
}

/**
 * Nest's logger on top of pino. Request lines come from Fastify's per-request child logger, which
 * carries the request id; code that logs on behalf of a request passes the id in its fields. (A
 * request-scoped AsyncLocalStorage would add it everywhere, but on Node 20 its promise hooks cost a
 * quarter of the throughput of a simple read.)
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the context (the class name) last.
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      // logger.warn({ err, requestId }, 'what happened')
      this.logger[level](
        { context, ...(message as Record<string, unknown>) },
        typeof rest[0] === 'string' ? rest[0] : undefined,
      );
    } else {
      // logger.error('what happened', stack)
      this.logger[level]({ context, ...(typeof rest[0] === 'string' ? { stack: rest[0] } : {}) }, String(message));
    }
  }
}
