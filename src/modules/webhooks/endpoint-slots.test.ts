import { describe, expect, it } from '@jest/globals';
import { EndpointSlots, type Lease } from './endpoint-slots.js';

const policy = { perEndpoint: 2, tripAfterFailures: 3, failingTotal: 1, timeoutMs: 10_000 };
const failed = { succeeded: false, latencyMs: 10_000 };
const ok = { succeeded: true, latencyMs: 100 };

describe('endpoint slots', () => {
  it('grants up to the cap at once, per endpoint', () => {
    const slots = new EndpointSlots(policy);
    expect('endpointId' in slots.tryAcquire('a')).toBe(true);
    expect('endpointId' in slots.tryAcquire('a')).toBe(true);
    expect('endpointId' in slots.tryAcquire('b')).toBe(true);
    expect(slots.inFlight('a')).toBe(2);
    expect('parkUntil' in slots.tryAcquire('a')).toBe(true);
  });

  it('parks deliveries over the cap at once, spaced by the time the endpoint needs per delivery', () => {
    const slots = new EndpointSlots({ ...policy, perEndpoint: 1 });
    const lease = slots.tryAcquire('a', 0) as Lease;
    slots.release(lease, { succeeded: true, latencyMs: 400 });
    slots.tryAcquire('a', 0);
    const parked = [1, 2, 3].map(() => (slots.tryAcquire('a', 0) as { parkUntil: number }).parkUntil);
    expect(parked).toStrictEqual([25, 425, 825]);
    // another endpoint is not affected
    expect('endpointId' in slots.tryAcquire('b', 0)).toBe(true);
  });

  it('after consecutive failures allows one attempt in flight, within a budget shared by failing endpoints', () => {
    const slots = new EndpointSlots(policy);
    for (const id of ['a', 'b']) for (let i = 0; i < 3; i += 1) slots.release(slots.tryAcquire(id) as Lease, failed);
    expect(slots.isFailing('a')).toBe(true);
    const probe = slots.tryAcquire('a') as Lease;
    expect(probe.failing).toBe(true);
    // one in flight for a failing endpoint
    expect('parkUntil' in slots.tryAcquire('a')).toBe(true);
    // the failing budget is used up
    expect('parkUntil' in slots.tryAcquire('b')).toBe(true);
    // healthy endpoints are not limited by it
    expect('endpointId' in slots.tryAcquire('c')).toBe(true);
    slots.release(probe, ok);
    // a success closes the breaker
    expect(slots.isFailing('a')).toBe(false);
    expect('endpointId' in slots.tryAcquire('b')).toBe(true);
  });
});
