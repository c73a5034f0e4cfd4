import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/** One response the server sent while a test ran, as the OpenAPI document would describe it. */
export interface RecordedResponse {
  method: string;
  /** The matched route as an OpenAPI path template (`/api/v1/customers/{id}`); null when no route matched. */
  path: string | null;
  status: number;
  /** The media type without parameters (`application/json`), or null with no body. */
  mediaType: string | null;
  /** The parsed JSON body; undefined for any other media type. */
  body?: unknown;
}

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Routes the document leaves out on purpose: the document itself and its browser, the Prometheus text
 * and the queue dashboard's pages and assets (its own API, not ours).
 */
const UNDOCUMENTED_ROUTES = [/^\/docs(-json)?(\/|$)/, /^\/metrics$/, /^\/api\/v1\/admin\/queues\/ui(\/|$)/];

/**
 * Bodies the document describes only by media type: files (CSV, zip, PDF) are streamed and not parsed,
 * so their declared media type is checked and their content is not.
 */
const JSON_MEDIA = /^application\/(problem\+)?json$/;

/** Records every response the server sends (an onSend hook; add it before the server is ready). */
export function recordResponses(fastify: FastifyInstance): RecordedResponse[] {
  const recorded: RecordedResponse[] = [];
  fastify.addHook('onSend', async (request, reply, payload) => {
    const contentType = reply.getHeader('content-type');
    const mediaType = typeof contentType === 'string' ? contentType.split(';')[0].trim().toLowerCase() : null;
    const route = request.routeOptions.url;
    const entry: RecordedResponse = {
      method: request.method.toLowerCase(),
      path: route ? route.replace(/:([A-Za-z0-9_]+)/g, '{$1}') : null,
      status: reply.statusCode,
      mediaType: payload === null || payload === undefined || payload === '' ? null : mediaType,
    };
    if (entry.mediaType && JSON_MEDIA.test(entry.mediaType) && typeof payload === 'string')
      entry.body = JSON.parse(payload);
    recorded.push(entry);
    return payload;
  });
  return recorded;
}

/**
 * What of the recorded responses the OpenAPI document does not describe: each distinct mismatch once, as
 * "METHOD path → status media: why" (with how many responses showed it). Responses without a route
 * (Fastify's 404) must be problems; 204s and bodiless answers must be declared without content; JSON and
 * problem bodies must validate against the declared schema; files must have their media type declared.
 */
export function contractViolations(document: OpenApiDocument, recorded: RecordedResponse[]): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(toJsonSchema({ components: document.components }) as Schema, 'doc');
  const validators = new Map<string, ValidateFunction>();
  const validatorOf = (key: string, schema: Schema) => {
    if (!validators.has(key)) validators.set(key, ajv.compile(toJsonSchema(schema) as Schema));
    return validators.get(key)!;
  };
  const problemSchema = { $ref: '#/components/schemas/Problem' };
  const violations = new Map<string, number>();
  const add = (response: RecordedResponse, why: string) => {
    const key = `${response.method.toUpperCase()} ${response.path ?? '(no route)'} → ${response.status} ${response.mediaType ?? '(no body)'}: ${why}`;
    violations.set(key, (violations.get(key) ?? 0) + 1);
  };

  for (const response of recorded) {
    if (response.method === 'head' || response.method === 'options') continue; // answered by Fastify for GET routes / CORS
    if (response.path === null) {
      if (response.mediaType !== 'application/problem+json') add(response, 'an unmatched route must answer a problem');
      else {
        const validate = validatorOf('problem', problemSchema);
        if (!validate(response.body)) add(response, ajv.errorsText(validate.errors));
      }
      continue;
    }
    if (UNDOCUMENTED_ROUTES.some((route) => route.test(response.path!))) continue;
    const operation = document.paths[response.path]?.[response.method];
    if (!operation) {
      add(response, 'the operation is not in the document');
      continue;
    }
    const declared = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!declared) {
      add(response, `status not declared (declared: ${Object.keys(operation.responses).join(', ')})`);
      continue;
    }
    if (response.mediaType === null) {
      if (declared.content && Object.keys(declared.content).length && response.status !== 304)
        add(response, `answered no body where the document declares ${Object.keys(declared.content).join(', ')}`);
      continue;
    }
    const media = declared.content?.[response.mediaType];
    if (!media) {
      add(response, `media type not declared (declared: ${Object.keys(declared.content ?? {}).join(', ') || 'none'})`);
      continue;
    }
    if (!JSON_MEDIA.test(response.mediaType)) continue; // a file: its media type is what the document can say
    if (!media.schema) {
      add(response, 'no schema declared for the body');
      continue;
    }
    const validate = validatorOf(
      `${response.method} ${response.path} ${response.status} ${response.mediaType}`,
      media.schema,
    );
    if (!validate(response.body)) add(response, ajv.errorsText(validate.errors, { separator: '; ' }));
  }
  return [...violations].map(([violation, count]) => (count > 1 ? `${violation} (×${count})` : violation));
}

/** OpenAPI 3.0's `nullable` as JSON Schema, and component refs pointed at the document loaded into Ajv as `doc`. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, example: _example, ...rest } = schema as Schema;
  const converted: Schema = {};
  for (const [key, value] of Object.entries(rest))
    converted[key] =
      key === '$ref' && typeof value === 'string'
        ? value.replace('#/components/schemas/', 'doc#/components/schemas/')
        : key === 'properties'
          ? Object.fromEntries(Object.entries(value as Schema).map(([name, inner]) => [name, toJsonSchema(inner)]))
          : toJsonSchema(value);
  if (!nullable) return converted;
  // `nullable` with an enum: the enum must admit null too, or `anyOf` alone still refuses it.
  if (Array.isArray(converted.enum) && !converted.enum.includes(null)) converted.enum = [...converted.enum, null];
  return { anyOf: [converted, { type: 'null' }] };
}
