import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointSlots, Lease } from './endpoint-slots.js';

const policy = { perEndpoint: 2, tripAfterFailures: 3, failingTotal: 1, timeoutMs: 10_000 };
const failed = { succeeded: false, latencyMs: 10_000 };
const ok = { succeeded: true, latencyMs: 100 };

describe('endpoint slots', () => {
  it('grants up to the cap at once, per endpoint', () => {
    const slots = new EndpointSlots(policy);
    assert.ok('endpointId' in slots.tryAcquire('a'));
    assert.ok('endpointId' in slots.tryAcquire('a'));
    assert.ok('endpointId' in slots.tryAcquire('b'));
    assert.equal(slots.inFlight('a'), 2);
    assert.ok('parkUntil' in slots.tryAcquire('a'));
  });

  it('parks deliveries over the cap at once, spaced by the time the endpoint needs per delivery', () => {
    const slots = new EndpointSlots({ ...policy, perEndpoint: 1 });
    const lease = slots.tryAcquire('a', 0) as Lease;
    slots.release(lease, { succeeded: true, latencyMs: 400 });
    slots.tryAcquire('a', 0);
    const parked = [1, 2, 3].map(() => (slots.tryAcquire('a', 0) as { parkUntil: number }).parkUntil);
    assert.deepEqual(parked, [25, 425, 825]);
    assert.ok('endpointId' in slots.tryAcquire('b', 0), 'another endpoint is not affected');
  });

  it('after consecutive failures allows one attempt in flight, within a budget shared by failing endpoints', () => {
    const slots = new EndpointSlots(policy);
    for (const id of ['a', 'b']) for (let i = 0; i < 3; i += 1) slots.release(slots.tryAcquire(id) as Lease, failed);
    assert.ok(slots.isFailing('a'));
    const probe = slots.tryAcquire('a') as Lease;
    assert.equal(probe.failing, true);
    assert.ok('parkUntil' in slots.tryAcquire('a'), 'one in flight for a failing endpoint');
    assert.ok('parkUntil' in slots.tryAcquire('b'), 'the failing budget is used up');
    assert.ok('endpointId' in slots.tryAcquire('c'), 'healthy endpoints are not limited by it');
    slots.release(probe, ok);
    assert.equal(slots.isFailing('a'), false, 'a success closes the breaker');
    assert.ok('endpointId' in slots.tryAcquire('b'));
  });
});
