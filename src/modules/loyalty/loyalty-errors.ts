import { DomainError } from '../../common/errors/domain-errors.js';

export class InsufficientPoints extends DomainError {
  constructor(balance: number, needed: number) {
    super('insufficient-points', `The customer has ${balance} points; ${needed} are needed.`);
  }
}

export class RewardOutOfStock extends DomainError {
  constructor(name: string) {
    super('out-of-stock', `The reward ${name} is out of stock.`);
  }
}
