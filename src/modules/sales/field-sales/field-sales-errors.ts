import { DomainError } from '../../../common/errors/domain-errors.js';

/** The plan's status does not allow the change (approve a draft, the owner editing a submitted plan); the detail says why. */
export class InvalidWorkPlanTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-work-plan-transition', detail);
  }
}

/** The visit cannot take the step (check out before checking in, check in twice, skip a done visit). */
export class InvalidVisitTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-visit-transition', detail);
  }
}
