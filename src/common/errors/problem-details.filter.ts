import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError, FieldError, Unavailable } from './domain-errors.js';
import { PROBLEM_TYPES, ProblemCode } from './problem-types.js';
import { isDatabaseUnavailable, isRedisUnavailable } from './unavailable.js';

interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
}

/** The one place errors become HTTP responses: RFC 9457 problem details, never a stack trace. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, headers } = this.toProblem(exception);
    problem.instance = request.url;
    problem.requestId = String(request.id);
    if (problem.status >= 500)
      this.logger.error({ err: describeError(exception), requestId: request.id }, 'unhandled error');
    else if (isDatabaseError(exception))
      this.logger.warn(
        { err: describeError(exception), requestId: request.id },
        'database refused a value that passed validation',
      );
    void reply
      .status(problem.status)
      .headers({ ...headers, 'content-type': 'application/problem+json' })
      .send(problem);
  }

  private toProblem(exception: unknown): { problem: ProblemDetails; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      return {
        problem: {
          type: exception.type,
          title: exception.title,
          status: exception.status,
          detail: exception.message,
          instance: '',
          errors: exception.errors,
        },
        headers: exception.headers,
      };
    }
    if (isDatabaseUnavailable(exception) || isRedisUnavailable(exception)) {
      // A dependency restarting, down or hung (issue 11, items 4 and 5): retry, not a bug.
      const store = isDatabaseUnavailable(exception) ? 'The database' : 'The queue store';
      const unavailable = new Unavailable(
        `${store} is unavailable or busy; nothing was changed that a retry would duplicate. Try again shortly.`,
        2,
      );
      return { problem: problemOf('unavailable', unavailable.message), headers: unavailable.headers };
    }
    if (isDatabaseError(exception)) {
      // A backstop: validation should refuse such values first; a refused value is the client's, not a 500.
      const code = exception.code;
      if (code === '23505') {
        return { problem: problemOf('conflict', 'A record with these values already exists.'), headers: {} };
      }
      if (code.startsWith('22') || code === '23502' || code === '23514') {
        return {
          problem: problemOf(
            'invalid-value',
            'A value in the request is not acceptable (out of range, malformed or missing).',
          ),
          headers: {},
        };
      }
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'object' && body && 'message' in body ? body.message : exception.message;
      return {
        problem: {
          type: status === 404 ? PROBLEM_TYPES['not-found'].type : 'about:blank',
          // A bare HttpException (Fastify's own 4xx errors, e.g. a body over the limit, arrive so) has no name to show.
          title:
            exception.name === 'HttpException'
              ? (STATUS_CODES[status] ?? 'Error')
              : exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'),
          status,
          detail: Array.isArray(message) ? message.join('; ') : String(message),
          instance: '',
        },
        headers: {},
      };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      // Body parser and content-type errors raised by Fastify before any handler runs.
      return {
        problem: {
          ...problemOf('bad-request', fastifyError.message ?? 'Bad request'),
          status: fastifyError.statusCode,
        },
        headers: {},
      };
    }
    return {
      problem: {
        type: 'about:blank',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred; it has been logged.',
        instance: '',
      },
      headers: {},
    };
  }
}

/** The registered type, title and status of a problem, with this occurrence's detail. */
function problemOf(code: ProblemCode, detail: string): ProblemDetails {
  const { type, title, status } = PROBLEM_TYPES[code];
  return { type, title, status, detail, instance: '' };
}

function isDatabaseError(exception: unknown): exception is { code: string; message: string } {
  return (
    typeof exception === 'object' &&
    exception !== null &&
    (exception as { name?: string }).name === 'QueryFailedError' &&
    typeof (exception as { code?: unknown }).code === 'string'
  );
}

/** What to log about an error: never the query parameters, which can hold personal data and hashes. */
function describeError(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { value: String(exception) };
  const { code } = exception as { code?: unknown };
  return {
    type: exception.name,
    message: withoutQuotedValue(exception.message),
    code,
    stack: exception.stack && withoutQuotedValue(exception.stack),
  };
}

/** Postgres quotes the value it refused (`invalid input syntax for type date: "…"`), and that value may be a customer's. */
function withoutQuotedValue(text: string): string {
  return text.replace(/: "(?:[^"]|"")*"/g, ': "…"');
}
