import { PROBLEM_TYPES, type ProblemCode } from './problem-types.js';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A failure the caller can act on; the problem-details filter renders it as RFC 9457. The code is
 * stable (clients and tests may rely on it) and names the problem type's URI, title and status in
 * the registry (problem-types.ts).
 */
export class DomainError extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;

  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    ({ status: this.status, title: this.title, type: this.type } = PROBLEM_TYPES[code]);
  }
}

export class ValidationFailed extends DomainError {
  constructor(errors: FieldError[], detail = 'The request is not valid: see errors.') {
    super('validation', detail, errors);
  }
}

export class Unauthenticated extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super('unauthenticated', detail, undefined, { 'www-authenticate': 'Bearer' });
  }
}

export class Forbidden extends DomainError {
  constructor(detail: string) {
    super('forbidden', detail);
  }
}

export class NotFound extends DomainError {
  constructor(entity: string, id: string) {
    super('not-found', `${entity} ${id} does not exist.`);
  }
}

export class Conflict extends DomainError {
  constructor(detail: string) {
    super('conflict', detail);
  }
}

export class StaleVersion extends DomainError {
  constructor(entity: string, expected: number, actual: number) {
    super('stale-version', `${entity} is at version ${actual}, not ${expected}: reload it and apply the change again.`);
  }
}

export class Unprocessable extends DomainError {
  constructor(detail: string, errors?: FieldError[]) {
    super('unprocessable', detail, errors);
  }
}

export class TooManyRequests extends DomainError {
  constructor(detail: string, retryAfterSeconds: number) {
    super('rate-limited', detail, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** A dependency (Redis, say) is down: nothing was changed that the caller cannot simply retry. */
export class Unavailable extends DomainError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super('unavailable', detail, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}
