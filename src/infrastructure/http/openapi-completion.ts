import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_TYPES } from '../../common/errors/problem-types.js';

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const PROBLEM = { $ref: '#/components/schemas/Problem' };

/**
 * What the decorators leave out of the OpenAPI document, filled in from what every route shares, so
 * a client generated from `/docs-json` knows the errors and pages it will get (issue 18):
 * - the RFC 9457 problem schema, and on every operation the problem responses it can answer (400 and
 *   503 anywhere; 401/403 behind a token; 404 with a path id, a query naming a record or a written body; 412 with
 *   If-Match; 409 on a write; 422 on a POST, with a body or a query; 413/415 with a body; 308/410 under
 *   `/customers/{id}`, merged or erased), each with its titles from the problem registry, and the
 *   problem schema on every error response a route declares itself;
 * - each header once, where a route declares what a decorator (`@Idempotent`, `@IfMatchVersion`) declares;
 * - a summary where a route has none, from its controller and handler names, and in every description who
 *   may call it (`whoMayCall`, from the metadata the AuthGuard reads);
 * - the `{data, nextCursor}` page wherever a route pages with `limit` and `cursor` but was declared as a
 *   bare array;
 * - `limit` as the integer it is (the decorator's `allOf: [Object]` dropped);
 * - the `x-request-id` header on every response.
 */
export function completeOpenApiDocument(
  document: OpenAPIObject,
  whoMayCall: ReadonlyMap<string, string> = new Map(),
): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Problem = PROBLEM_SCHEMA;
  document.components.headers = { ...document.components.headers, RequestId: REQUEST_ID_HEADER };
  for (const path of Object.keys(document.paths)) {
    const item = document.paths[path] as Record<string, Operation | undefined>;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      completeOperation(path, method, operation);
      const who = operation.operationId && whoMayCall.get(operation.operationId);
      if (who)
        operation.description = [operation.description, `**Who may call:** ${who}.`].filter(Boolean).join('\n\n');
    }
  }
  return document;
}

function completeOperation(path: string, method: string, operation: Operation): void {
  operation.summary ??= summaryOf(operation.operationId, method, path);
  const parameters = operation.parameters ?? [];
  const limit = parameters.find((parameter) => parameter.name === 'limit' && parameter.in === 'query');
  if (limit?.schema) {
    delete limit.schema.allOf;
    limit.schema.type = 'integer';
  }
  const paged = limit && parameters.some((parameter) => parameter.name === 'cursor' && parameter.in === 'query');
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!status.startsWith('2')) continue;
    const json = response.content?.['application/json'];
    if (paged && json?.schema?.type === 'array')
      json.schema = {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: json.schema,
          nextCursor: {
            type: 'string',
            nullable: true,
            description: 'Pass as `cursor` for the next page; null on the last',
          },
        },
      };
  }
  // A header declared twice (by a route's @ApiHeader and by the decorator that honours it) is listed once.
  const headerNames = new Set<string>();
  operation.parameters = parameters.filter((parameter) => {
    if (parameter.in !== 'header') return true;
    const name = parameter.name.toLowerCase();
    if (headerNames.has(name)) return false;
    headerNames.add(name);
    return true;
  });
  const write = method !== 'get';
  const problems: Record<string, string> = { '400': 'The request is malformed or a value is invalid' };
  if (operation.security?.length) {
    problems['401'] = 'No valid token or API key';
    problems['403'] = 'The role or scope may not do this';
  }
  // A path id, a query naming a record (`?salespersonId=`) or a written body (`customerId`) may name one the
  // caller cannot see.
  const namesRecord = parameters.some((p) => (p.in === 'query' || p.in === 'path') && /(^id|Id)$/.test(p.name));
  if (path.includes('{') || namesRecord || (write && operation.requestBody))
    problems['404'] = 'Not found, or not visible to the caller';
  if (/^\/api\/v1\/customers\/\{id\}/.test(path)) {
    problems['308'] = 'The customer was merged into another: Location names the survivor';
    problems['410'] = 'The customer was erased';
  }
  if (headerNames.has('if-match')) {
    problems['409'] = 'Refused in the current state';
    problems['412'] = 'The If-Match version is stale';
  }
  if (write && operation.security?.length)
    problems['409'] ??= 'Refused in the current state, or a duplicate of an existing record';
  if (headerNames.has('idempotency-key')) problems['409'] ??= 'A request with this Idempotency-Key is in progress';
  if (operation.requestBody || method === 'post' || parameters.some((p) => p.in === 'query'))
    problems['422'] = 'Well-formed but refused; `errors` lists why';
  if (operation.requestBody) {
    problems['413'] = 'The body is larger than the limit';
    problems['415'] = 'The body is not of a media type the route reads';
  }
  problems['503'] = 'A dependency (Postgres, Redis) is unavailable; retry after Retry-After';
  for (const [status, description] of Object.entries(problems))
    operation.responses[status] ??= { description: `${description} (${titlesOf(Number(status))})` };
  // Every error answer is a problem: a route's own @ApiResponse({status: 429, description}) gets the schema too.
  for (const [status, response] of Object.entries(operation.responses))
    if (/^[345]\d\d$/.test(status) && status !== '304' && !response.content)
      response.content = { 'application/problem+json': { schema: PROBLEM } };
  for (const response of Object.values(operation.responses))
    (response as { headers?: Record<string, unknown> }).headers = {
      'x-request-id': { $ref: '#/components/headers/RequestId' },
      ...(response as { headers?: Record<string, unknown> }).headers,
    };
}

/** "ComplaintsController_markIneffective" → "Complaints: mark ineffective"; without an id, the method and path. */
function summaryOf(operationId: string | undefined, method: string, path: string): string {
  const match = operationId?.match(/^(.*?)Controller_(.+)$/);
  if (!match) return `${method.toUpperCase()} ${path}`;
  const words = (name: string) =>
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .trim();
  const subject = words(match[1]);
  return `${subject.charAt(0).toUpperCase()}${subject.slice(1)}: ${words(match[2])}`;
}

/** The problem titles the registry has for a status, e.g. "Conflict, Precondition failed". */
function titlesOf(status: number): string {
  return [
    ...new Set(
      Object.values(PROBLEM_TYPES)
        .filter((p) => p.status === status)
        .map((p) => p.title),
    ),
  ].join(', ');
}

const REQUEST_ID_HEADER = {
  description: 'The id of this request, as logged; every problem carries it too',
  schema: { type: 'string' },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'instance'],
  properties: {
    type: {
      type: 'string',
      example: PROBLEM_TYPES.validation.type,
      // about:blank: an HTTP error with no type of its own (RFC 9457 §4.2.1), e.g. Fastify's 413 before any route.
      enum: ['about:blank', ...Object.values(PROBLEM_TYPES).map((p) => p.type)],
    },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Every field that was refused, and why',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};
