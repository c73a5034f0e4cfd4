import { InvalidImprovementActionTransition } from './complaints-errors.js';

export const ACTION_STATUSES = ['open', 'in_progress', 'completed', 'verified', 'ineffective'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** An action not yet completed (or found ineffective): later complaints of its root cause join it. */
export const OPEN_ACTION_STATUSES: readonly ActionStatus[] = ['open', 'in_progress', 'ineffective'];

export type ActionStep = 'start' | 'complete' | 'verify' | 'mark_ineffective';

const TRANSITIONS: Record<
  ActionStep,
  { from: readonly ActionStatus[]; to: ActionStatus; reasons: Partial<Record<ActionStatus, string>> }
> = {
  // An ineffective fix is open again: work on it starts over.
  start: { from: ['open', 'ineffective'], to: 'in_progress', reasons: { in_progress: 'it is in progress already' } },
  complete: { from: ['in_progress'], to: 'completed', reasons: { open: 'nobody has started it: start it first' } },
  verify: {
    from: ['completed'],
    to: 'verified',
    reasons: { open: 'it is not completed yet', in_progress: 'it is not completed yet' },
  },
  mark_ineffective: {
    from: ['completed'],
    to: 'ineffective',
    reasons: { open: 'it is not completed yet', in_progress: 'it is not completed yet' },
  },
};

/** The status `step` leads to, or a 409 saying why it cannot happen now. */
export function nextActionStatus(status: ActionStatus, step: ActionStep): ActionStatus {
  const transition = TRANSITIONS[step];
  if (transition.from.includes(status)) return transition.to;
  const reason =
    transition.reasons[status] ??
    (status === 'verified'
      ? 'it has been verified: the fix worked'
      : `${step.replaceAll('_', ' ')} is allowed only from ${transition.from.join(', ')}`);
  throw new InvalidImprovementActionTransition(
    `Cannot ${step.replaceAll('_', ' ')} an improvement action that is ${status.replaceAll('_', ' ')}: ${reason}.`,
  );
}
