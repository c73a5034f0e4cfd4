import { describe, expect, it } from '@jest/globals';
import { scopesNeededFor } from './event-scopes.js';

describe('event scopes', () => {
  it('asks customers:read for customer data, exact or by prefix', () => {
    expect(scopesNeededFor('customer.created')).toStrictEqual(['customers:read']);
    expect(scopesNeededFor('purchase.*')).toStrictEqual(['customers:read']);
    expect(scopesNeededFor('service_request.*')).toStrictEqual(['service-requests:write', 'customers:read']);
  });

  it('asks customers:sensitive for an event that reveals a birth date, and leaves it out of loyalty.* otherwise', () => {
    expect(scopesNeededFor('loyalty.birthday_rewarded')).toStrictEqual(['customers:sensitive']);
    expect(scopesNeededFor('loyalty.*')).toStrictEqual(['customers:read']);
  });

  it("asks nothing more for the owner's own endpoint events, and leaves * to the fan-out", () => {
    expect(scopesNeededFor('webhook_endpoint.disabled')).toStrictEqual([]);
    expect(scopesNeededFor('*')).toStrictEqual([]);
    expect(scopesNeededFor('work_plan.changed')).toStrictEqual(['sales:read']);
    expect(scopesNeededFor('visit.*')).toStrictEqual(['sales:read']);
  });
});
