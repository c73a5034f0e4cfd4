export interface FieldError {
  field: string;
  message: string;
}

/** A failure the caller can act on; the problem-details filter renders it as RFC 9457. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly type = 'about:blank',
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export class ValidationFailed extends DomainError {
  constructor(errors: FieldError[], detail = 'The request is not valid: see errors.') {
    super(400, 'Validation failed', detail, '/problems/validation', errors);
  }
}

export class Unauthenticated extends DomainError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'Unauthenticated', detail, '/problems/unauthenticated', undefined, { 'www-authenticate': 'Bearer' });
  }
}

export class Forbidden extends DomainError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail, '/problems/forbidden');
  }
}

export class NotFound extends DomainError {
  constructor(entity: string, id: string) {
    super(404, 'Not found', `${entity} ${id} does not exist.`, '/problems/not-found');
  }
}

export class Conflict extends DomainError {
  constructor(detail: string, type = '/problems/conflict') {
    super(409, 'Conflict', detail, type);
  }
}

export class StaleVersion extends DomainError {
  constructor(entity: string, expected: number, actual: number) {
    super(412, 'Precondition failed', `${entity} is at version ${actual}, not ${expected}: reload it and apply the change again.`, '/problems/stale-version');
  }
}

export class Unprocessable extends DomainError {
  constructor(detail: string, errors?: FieldError[], type = '/problems/unprocessable') {
    super(422, 'Unprocessable request', detail, type, errors);
  }
}

export class TooManyRequests extends DomainError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'Too many requests', detail, '/problems/rate-limited', undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** A dependency (Redis, say) is down: nothing was changed that the caller cannot simply retry. */
export class Unavailable extends DomainError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super(503, 'Service unavailable', detail, '/problems/unavailable', undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}
