import { DomainError } from '../../common/errors/domain-errors.js';

/** The request's status does not allow the action (resolve a closed request, rate an open one). */
export class InvalidTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-transition', detail);
  }
}
