import { DomainError } from '../../common/errors/domain-errors.js';

/** The lead's status does not allow the change (qualify a new lead, convert a contacted one); the detail says why. */
export class InvalidLeadTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-lead-transition', detail);
  }
}

/** The opportunity is closed (won or lost): its stage, amount and outcome no longer change. */
export class OpportunityClosed extends DomainError {
  constructor(detail: string) {
    super('opportunity-closed', detail);
  }
}
