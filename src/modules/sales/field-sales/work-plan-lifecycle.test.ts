import { describe, expect, it } from '@jest/globals';
import { nextStatus, ownerMayEdit, WORK_PLAN_STATUSES, type WorkPlanAction } from './work-plan-lifecycle.js';

describe('work plan lifecycle', () => {
  const allowed: Record<string, string> = {
    'draft submit': 'submitted',
    'submitted approve': 'approved',
    'submitted request_changes': 'changes_requested',
    'changes_requested submit': 'resubmitted',
    'resubmitted approve': 'approved',
    'resubmitted request_changes': 'changes_requested',
  };
  const actions: WorkPlanAction[] = ['submit', 'approve', 'request_changes'];

  it.each(WORK_PLAN_STATUSES.flatMap((from) => actions.map((action) => [from, action] as const)))(
    'from %s, %s',
    (from, action) => {
      const result = nextStatus(from, action);
      const expected = allowed[`${from} ${action}`];
      if (expected) expect(result).toBe(expected);
      else expect(result).toMatchObject({ refused: expect.stringContaining(from) });
    },
  );

  it('lets the owner edit a draft and a plan sent back, nothing else', () => {
    expect(WORK_PLAN_STATUSES.filter(ownerMayEdit)).toStrictEqual(['draft', 'changes_requested']);
  });
});
