import { DomainError, type FieldError } from '../../common/errors/domain-errors.js';

export class ReplayRangeTooLarge extends DomainError {
  constructor(maxDeliveries: number) {
    super('replay-range-too-large', `More than ${maxDeliveries} deliveries fall in this range: replay a shorter one.`);
  }
}

export class ForbiddenWebhookDestination extends DomainError {
  constructor(reason: string) {
    super('forbidden-webhook-destination', `This URL may not receive webhooks: ${reason}.`, [
      { field: 'url', message: reason },
    ]);
  }
}

export class EventTypeNotReadable extends DomainError {
  constructor(refused: string[], errors: FieldError[]) {
    super(
      'event-type-not-readable',
      `This API key may not receive ${refused.join(', ')}: its scopes do not let it read that data.`,
      errors,
    );
  }
}
