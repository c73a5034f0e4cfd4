import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-errors.js';

/** No request of this API nests deeper than a handful of levels or sends more than a few hundred items in a list. */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_ARRAY_LENGTH = 1_000;

export class MalformedBody extends DomainError {
  constructor(detail: string) {
    super('bad-request', detail);
  }
}

/**
 * Why a JSON text is refused before it is parsed, or undefined. One pass over the characters with a
 * stack of open containers: nesting deeper than MAX_JSON_DEPTH or an array longer than
 * MAX_JSON_ARRAY_LENGTH is refused before any object is built, so a body of a million brackets costs
 * one linear scan, not a recursive transform that overflows the stack or blocks the event loop
 * (issue 11, item 2). Malformed JSON is left to the parser.
 */
export function jsonShapeProblem(text: string): string | undefined {
  const arrayItems: number[] = []; // per open container: commas seen, or -1 for an object
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (arrayItems.length >= MAX_JSON_DEPTH) return `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`;
      arrayItems.push(c === 0x5b ? 0 : -1);
    } else if (c === 0x5d || c === 0x7d) arrayItems.pop();
    else if (c === 0x2c && arrayItems.length && arrayItems[arrayItems.length - 1] >= 0) {
      const items = (arrayItems[arrayItems.length - 1] += 1) + 1;
      if (items > MAX_JSON_ARRAY_LENGTH)
        return `A JSON array in the body has more than ${MAX_JSON_ARRAY_LENGTH} items.`;
    }
  }
  return undefined;
}

type Done = (error: Error | null, body?: unknown) => void;

/** Fastify's own JSON parser (prototype-poisoning checks included), behind the shape check above. */
export function boundedJsonParser(
  fastify: FastifyInstance,
): (request: FastifyRequest, body: Buffer, done: Done) => void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const text = body.toString('utf8');
    const problem = jsonShapeProblem(text);
    if (problem) return done(new MalformedBody(problem));
    void parse(request, text, done);
  };
}
