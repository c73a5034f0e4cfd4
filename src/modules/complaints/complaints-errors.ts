import { DomainError, type FieldError } from '../../common/errors/domain-errors.js';

/** The complaint's status does not allow the action (resolve one not yet investigated, close an open one). */
export class InvalidComplaintTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-complaint-transition', detail);
  }
}

/** The intake refers to something that is not there or not the customer's: nothing was written. */
export class ComplaintIntakeRefused extends DomainError {
  constructor(detail: string, errors: FieldError[]) {
    super('complaint-intake-refused', detail, errors);
  }
}

/** Resolving needs a root cause from the taxonomy and what was done (R-P3). */
export class RootCauseRequired extends DomainError {
  constructor(detail: string, errors: FieldError[]) {
    super('root-cause-required', detail, errors);
  }
}

/** The improvement action's status does not allow the step (complete one never started, verify an open one). */
export class InvalidImprovementActionTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-improvement-action-transition', detail);
  }
}
