import { Conflict, DomainError } from '../../common/errors/domain-errors.js';

export class InsufficientPoints extends DomainError {
  constructor(balance: number, needed: number) {
    super(422, 'Insufficient points', `The customer has ${balance} points; ${needed} are needed.`, '/problems/insufficient-points');
  }
}

export class RewardOutOfStock extends Conflict {
  constructor(name: string) {
    super(`The reward ${name} is out of stock.`, '/problems/out-of-stock');
  }
}
