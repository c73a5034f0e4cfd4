import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_TYPES, type ProblemCode } from './problem-types.js';

// Requests Fastify refuses before any route, hook or Nest filter runs: a malformed request line or an
// oversized header block (Node's parser), an over-long path parameter or a malformed URL (the router).
// Their answers are problem details with a request id like every other error, and each gets a log line.

/** A request target longer than this is not echoed back in `instance`. */
const MAX_ECHOED_PATH = 200;

export interface EdgeProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId: string;
}

/** What Node's HTTP parser error codes mean for a client, and what it can do about them. */
export function problemForClientError(code: string | undefined, requestId: string): EdgeProblem {
  const problem = (name: ProblemCode, detail: string): EdgeProblem => ({ ...PROBLEM_TYPES[name], detail, requestId });
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem('request-timeout', 'The request was not received in time.');
    case 'HPE_HEADER_OVERFLOW':
      return problem(
        'headers-too-large',
        'The request headers (the request line included) are larger than the server accepts (16 KiB).',
      );
    case 'HPE_INVALID_URL':
    case 'HPE_INVALID_PATH':
      return problem(
        'malformed-request',
        'The request target is malformed: characters outside ASCII must be percent-encoded (RFC 3986), e.g. ?q=%E5%BC%A0 for ?q=张.',
      );
    default:
      return problem('malformed-request', 'The request could not be parsed as HTTP/1.1.');
  }
}

/**
 * Fastify's `clientErrorHandler`: the socket carries no parsed request, so the answer is written by
 * hand (as Fastify's default does, but as problem details with a fresh request id) and logged.
 */
export function answerClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const problem = problemForClientError(error.code, requestId);
  this.log.warn({ requestId, statusCode: problem.status, code: error.code }, 'request refused before parsing');
  if (socket.writable) {
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `content-type: application/problem+json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Fastify's `frameworkErrors`: the router refused the URL (malformed escape → 400, a path parameter
 * over `maxParamLength` → 414). The request has an id by now; the over-long path is not echoed.
 */
export function answerFrameworkError(
  error: Error & { code?: string; statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 414
      : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 400;
  const path = request.raw.url ?? '';
  const problem: EdgeProblem = {
    ...(status === 414 ? PROBLEM_TYPES['uri-too-long'] : { ...PROBLEM_TYPES['bad-request'], status }),
    detail:
      status === 414
        ? 'A path segment is longer than the server accepts (100 characters).'
        : 'The request URL is malformed (an invalid percent-encoding?).',
    instance: path.length > MAX_ECHOED_PATH ? undefined : path,
    requestId: String(request.id),
  };
  request.log.warn({ requestId: request.id, statusCode: status, code: error.code }, 'request refused by the router');
  void reply
    .code(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('x-request-id', String(request.id))
    .send(JSON.stringify(problem));
}
