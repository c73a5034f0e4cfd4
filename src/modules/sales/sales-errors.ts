import { DomainError } from '../../common/errors/domain-errors.js';

/** The lead's status does not allow the change (qualify a new lead, convert a contacted one); the detail says why. */
export class InvalidLeadTransition extends DomainError {
  constructor(detail: string) {
    super('invalid-lead-transition', detail);
  }
}

/** Only an approved quote can be sent (one waiting for approval, rejected, or already sent cannot). */
export class QuoteNotApproved extends DomainError {
  constructor(detail: string) {
    super('quote-not-approved', detail);
  }
}

/** Approving or rejecting a quote that is not waiting for approval. */
export class QuoteNotPending extends DomainError {
  constructor(detail: string) {
    super('quote-not-pending', detail);
  }
}

/** A later revision replaced the quote: it no longer changes. */
export class QuoteSuperseded extends DomainError {
  constructor(detail: string) {
    super('quote-superseded', detail);
  }
}

/** The opportunity is closed (won or lost): its stage, amount and outcome no longer change. */
export class OpportunityClosed extends DomainError {
  constructor(detail: string) {
    super('opportunity-closed', detail);
  }
}
