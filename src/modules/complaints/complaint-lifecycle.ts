import { InvalidComplaintTransition } from './complaints-errors.js';

export const COMPLAINT_STATUSES = [
  'received',
  'acknowledged',
  'investigating',
  'waiting_on_customer',
  'resolved',
  'closed',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** Statuses in which the customer's problem is not solved: the complaint is one of their open problems (R-P5). */
export const OPEN_STATUSES: readonly ComplaintStatus[] = [
  'received',
  'acknowledged',
  'investigating',
  'waiting_on_customer',
];

export type ComplaintAction =
  'acknowledge' | 'investigate' | 'wait' | 'resume' | 'resolve' | 'close' | 'reopen' | 'assign' | 'escalate';

/** Which statuses each action may leave from, and where it leads (`unchanged`: it stays where it is). */
export const COMPLAINT_TRANSITIONS: Record<
  ComplaintAction,
  { from: readonly ComplaintStatus[]; to: ComplaintStatus | 'unchanged' }
> = {
  acknowledge: { from: ['received'], to: 'acknowledged' },
  investigate: { from: ['acknowledged'], to: 'investigating' },
  wait: { from: ['investigating'], to: 'waiting_on_customer' },
  resume: { from: ['waiting_on_customer'], to: 'investigating' },
  resolve: { from: ['investigating'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  // The customer says it is not solved: back to the investigation with a fresh resolution clock.
  reopen: { from: ['resolved', 'closed'], to: 'investigating' },
  assign: { from: OPEN_STATUSES, to: 'unchanged' },
  escalate: { from: OPEN_STATUSES, to: 'unchanged' },
};

const STILL_OPEN = 'it is still open';
const FINISHED = 'it is already resolved: reopen it first';

const REASONS: Partial<Record<ComplaintAction, Partial<Record<ComplaintStatus, string>>>> = {
  acknowledge: {
    acknowledged: 'it was acknowledged already',
    investigating: 'it was acknowledged already',
    waiting_on_customer: 'it was acknowledged already',
    resolved: FINISHED,
    closed: 'it is closed: reopen it first',
  },
  investigate: {
    received: 'it has not been acknowledged yet: acknowledge it first',
    investigating: 'it is being investigated already',
    waiting_on_customer: 'it is waiting on the customer: resume it instead',
  },
  wait: { received: 'nobody is investigating it yet', acknowledged: 'nobody is investigating it yet' },
  resume: { investigating: 'it is not waiting on the customer' },
  resolve: {
    received: 'it has not been acknowledged yet: acknowledge and investigate it first',
    acknowledged: 'it has not been investigated yet: start the investigation first',
    waiting_on_customer: 'it is waiting on the customer: resume it first',
    resolved: 'it is resolved already',
  },
  close: {
    received: 'it is not resolved yet',
    acknowledged: 'it is not resolved yet',
    investigating: 'it is not resolved yet',
    waiting_on_customer: 'it is not resolved yet',
  },
  reopen: {
    received: STILL_OPEN,
    acknowledged: STILL_OPEN,
    investigating: STILL_OPEN,
    waiting_on_customer: STILL_OPEN,
  },
};

/** The status `action` leads to from `status`, or a 409 that says why it cannot happen. */
export function nextComplaintStatus(status: ComplaintStatus, action: ComplaintAction): ComplaintStatus {
  const transition = COMPLAINT_TRANSITIONS[action];
  if (transition.from.includes(status)) return transition.to === 'unchanged' ? status : transition.to;
  const reason =
    REASONS[action]?.[status] ??
    (['resolved', 'closed'].includes(status)
      ? `it is ${status} already`
      : `${action} is allowed only from ${transition.from.join(', ')}`);
  throw new InvalidComplaintTransition(
    `Cannot ${action} a complaint that is ${status.replaceAll('_', ' ')}: ${reason}.`,
  );
}
