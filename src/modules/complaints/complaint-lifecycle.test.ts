import { describe, expect, it } from '@jest/globals';
import {
  COMPLAINT_STATUSES,
  COMPLAINT_TRANSITIONS,
  nextComplaintStatus,
  type ComplaintAction,
} from './complaint-lifecycle.js';
import { InvalidComplaintTransition } from './complaints-errors.js';

describe('complaint lifecycle', () => {
  it.each([
    ['received', 'acknowledge', 'acknowledged'],
    ['acknowledged', 'investigate', 'investigating'],
    ['investigating', 'wait', 'waiting_on_customer'],
    ['waiting_on_customer', 'resume', 'investigating'],
    ['investigating', 'resolve', 'resolved'],
    ['resolved', 'close', 'closed'],
    ['resolved', 'reopen', 'investigating'],
    ['closed', 'reopen', 'investigating'],
    ['acknowledged', 'assign', 'acknowledged'],
    ['waiting_on_customer', 'escalate', 'waiting_on_customer'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(nextComplaintStatus(from, action)).toBe(to);
  });

  it('refuses every other move with a reason', () => {
    let refused = 0;
    for (const action of Object.keys(COMPLAINT_TRANSITIONS) as ComplaintAction[]) {
      for (const status of COMPLAINT_STATUSES) {
        if (COMPLAINT_TRANSITIONS[action].from.includes(status)) continue;
        expect(() => nextComplaintStatus(status, action)).toThrow(InvalidComplaintTransition);
        expect(() => nextComplaintStatus(status, action)).toThrow(/: .+\.$/);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(30);
  });

  it('says what to do first', () => {
    expect(() => nextComplaintStatus('acknowledged', 'resolve')).toThrow(/start the investigation first/);
    expect(() => nextComplaintStatus('waiting_on_customer', 'resolve')).toThrow(/resume it first/);
    expect(() => nextComplaintStatus('closed', 'acknowledge')).toThrow(/reopen it first/);
  });
});
