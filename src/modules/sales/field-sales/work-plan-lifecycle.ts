/**
 * A weekly plan's review (R-SP4): draft → submitted → approved, or → changes_requested (with comments)
 * → resubmitted → approved (or changes requested again).
 */
export const WORK_PLAN_STATUSES = ['draft', 'submitted', 'changes_requested', 'resubmitted', 'approved'] as const;
export type WorkPlanStatus = (typeof WORK_PLAN_STATUSES)[number];
export type WorkPlanAction = 'submit' | 'approve' | 'request_changes';

/** The status the action leads to, or why it cannot be taken from `from`. */
export function nextStatus(from: WorkPlanStatus, action: WorkPlanAction): WorkPlanStatus | { refused: string } {
  switch (action) {
    case 'submit':
      if (from === 'draft') return 'submitted';
      if (from === 'changes_requested') return 'resubmitted';
      return { refused: `The plan is ${from}: only a draft or a plan sent back for changes is submitted.` };
    case 'approve':
      if (from === 'submitted' || from === 'resubmitted') return 'approved';
      return { refused: `The plan is ${from}: only a submitted plan is approved.` };
    case 'request_changes':
      if (from === 'submitted' || from === 'resubmitted') return 'changes_requested';
      return { refused: `The plan is ${from}: changes are requested of a submitted plan.` };
  }
}

/** The owner edits their plan until they submit it (and again when it comes back); a manager at any time. */
export function ownerMayEdit(status: WorkPlanStatus): boolean {
  return status === 'draft' || status === 'changes_requested';
}
