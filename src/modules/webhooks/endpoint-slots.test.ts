import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointSlots } from './endpoint-slots.js';

describe('endpoint slots', () => {
  it('grants up to the cap at once, per endpoint', async () => {
    const slots = new EndpointSlots(2, 20);
    assert.equal(await slots.acquire('a'), true);
    assert.equal(await slots.acquire('a'), true);
    assert.equal(await slots.acquire('b'), true);
    assert.equal(slots.inFlight('a'), 2);
  });

  it('hands a released slot to a waiting delivery', async () => {
    const slots = new EndpointSlots(1, 1_000);
    await slots.acquire('a');
    const waiting = slots.acquire('a');
    slots.release('a');
    assert.equal(await waiting, true);
    assert.equal(slots.inFlight('a'), 1);
    slots.release('a');
    assert.equal(slots.inFlight('a'), 0);
  });

  it('gives up when no slot frees within the wait (a slow endpoint)', async () => {
    const slots = new EndpointSlots(1, 20);
    await slots.acquire('a');
    assert.equal(await slots.acquire('a'), false);
    slots.release('a');
    assert.equal(slots.inFlight('a'), 0);
    assert.equal(await slots.acquire('a'), true);
  });
});
