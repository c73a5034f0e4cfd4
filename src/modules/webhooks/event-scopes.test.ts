import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scopesNeededFor } from './event-scopes.js';

describe('event scopes', () => {
  it('asks customers:read for customer data, exact or by prefix', () => {
    assert.deepEqual(scopesNeededFor('customer.created'), ['customers:read']);
    assert.deepEqual(scopesNeededFor('purchase.*'), ['customers:read']);
    assert.deepEqual(scopesNeededFor('service_request.*'), ['service-requests:write', 'customers:read']);
  });

  it('asks nothing more for the owner\'s own endpoint events, and leaves * to the fan-out', () => {
    assert.deepEqual(scopesNeededFor('webhook_endpoint.disabled'), []);
    assert.deepEqual(scopesNeededFor('*'), []);
  });
});
