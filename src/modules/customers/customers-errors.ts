import { DomainError } from '../../common/errors/domain-errors.js';

export class PurchaseAlreadyRefunded extends DomainError {
  constructor(purchaseId: string) {
    super('already-refunded', `Purchase ${purchaseId} was already refunded.`);
  }
}
