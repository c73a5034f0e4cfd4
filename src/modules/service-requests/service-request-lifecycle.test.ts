import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextStatus, STATUSES, TRANSITIONS } from './service-request-lifecycle.js';

describe('service request lifecycle', () => {
  it('walks the whole life of a request', () => {
    const path = (['assign', 'start', 'wait', 'resume', 'resolve', 'close', 'reopen'] as const).reduce<string[]>(
      (statuses, action) => [...statuses, nextStatus(statuses.at(-1) as never, action)],
      ['queued'],
    );
    assert.deepEqual(path, ['queued', 'assigned', 'in_progress', 'waiting_on_customer', 'in_progress', 'resolved', 'closed', 'queued']);
  });

  it('refuses to resolve a request that was never started, and says why', () => {
    assert.throws(() => nextStatus('assigned', 'resolve'), (error: Error & { status: number }) => error.status === 409 && /never started/.test(error.message));
  });

  it('refuses every action from a status it does not leave from', () => {
    for (const [action, { from }] of Object.entries(TRANSITIONS)) {
      for (const status of STATUSES.filter((s) => !from.includes(s))) {
        assert.throws(() => nextStatus(status, action as never), /Cannot/, `${action} from ${status}`);
      }
    }
  });
});
