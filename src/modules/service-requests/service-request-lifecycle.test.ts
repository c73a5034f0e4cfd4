import { describe, expect, it } from '@jest/globals';
import { nextStatus, STATUSES, TRANSITIONS } from './service-request-lifecycle.js';

describe('service request lifecycle', () => {
  it('walks the whole life of a request', () => {
    const path = (['assign', 'start', 'wait', 'resume', 'resolve', 'close', 'reopen'] as const).reduce<string[]>(
      (statuses, action) => [...statuses, nextStatus(statuses.at(-1) as never, action)],
      ['queued'],
    );
    expect(path).toStrictEqual([
      'queued',
      'assigned',
      'in_progress',
      'waiting_on_customer',
      'in_progress',
      'resolved',
      'closed',
      'queued',
    ]);
  });

  it('refuses to resolve a request that was never started, and says why', () => {
    expect(() => nextStatus('assigned', 'resolve')).toThrow(
      expect.objectContaining({ status: 409, message: expect.stringMatching(/never started/) }),
    );
  });

  const refusals = Object.entries(TRANSITIONS).flatMap(([action, { from }]) =>
    STATUSES.filter((status) => !from.includes(status)).map((status) => [action, status] as const),
  );
  it.each(refusals)('refuses to %s a request that is %s', (action, status) => {
    expect(() => nextStatus(status, action as never)).toThrow(/Cannot/);
  });
});
