import { DomainError } from '../errors/domain-errors.js';

/** The first request with this key failed, so nothing was stored to replay. */
export class IdempotencyRetry extends DomainError {
  constructor() {
    super('idempotency-retry', 'A request with this Idempotency-Key just failed; retry it.');
  }
}

export class IdempotencyKeyReused extends DomainError {
  constructor() {
    super('idempotency-key-reused', 'This Idempotency-Key was already used for a different request.');
  }
}

export class IdempotencyInProgress extends DomainError {
  constructor() {
    super('idempotency-in-progress', 'A request with this Idempotency-Key is still being processed.');
  }
}
