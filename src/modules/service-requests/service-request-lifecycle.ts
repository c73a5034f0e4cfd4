import { InvalidTransition } from './service-requests-errors.js';

export const STATUSES = [
  'new',
  'queued',
  'assigned',
  'in_progress',
  'waiting_on_customer',
  'resolved',
  'closed',
] as const;
export type ServiceRequestStatus = (typeof STATUSES)[number];

export type LifecycleAction =
  'queue' | 'assign' | 'hand_over' | 'start' | 'wait' | 'resume' | 'resolve' | 'close' | 'reopen';

/** Which statuses each action may leave from, and where it leads (`unchanged`: it stays where it is). */
export const TRANSITIONS: Record<
  LifecycleAction,
  { from: readonly ServiceRequestStatus[]; to: ServiceRequestStatus | 'unchanged' }
> = {
  queue: { from: ['new'], to: 'queued' },
  assign: { from: ['new', 'queued', 'assigned'], to: 'assigned' },
  // Work already started changes hands without starting over (someone falls ill mid-job).
  hand_over: { from: ['in_progress', 'waiting_on_customer'], to: 'unchanged' },
  start: { from: ['assigned'], to: 'in_progress' },
  wait: { from: ['in_progress'], to: 'waiting_on_customer' },
  resume: { from: ['waiting_on_customer'], to: 'in_progress' },
  resolve: { from: ['in_progress'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'queued' },
};

/** Statuses in which someone is working on the request (they count towards a person's load). */
export const OPEN_WORK: readonly ServiceRequestStatus[] = ['assigned', 'in_progress', 'waiting_on_customer'];

const REASONS: Partial<Record<LifecycleAction, Partial<Record<ServiceRequestStatus, string>>>> = {
  resolve: {
    new: 'it was never started: assign and start it first',
    queued: 'it was never started: assign and start it first',
    assigned: 'it was never started: start it first',
    waiting_on_customer: 'it is waiting on the customer: resume it first',
  },
  start: { new: 'nobody is assigned to it yet', queued: 'nobody is assigned to it yet' },
  close: {
    in_progress: 'it is not resolved yet',
    waiting_on_customer: 'it is not resolved yet',
    assigned: 'it is not resolved yet',
  },
  reopen: {
    queued: 'it is still open',
    assigned: 'it is still open',
    in_progress: 'it is still open',
    waiting_on_customer: 'it is still open',
  },
};

/** The status `action` leads to from `status`, or a 409 that says why it cannot happen. */
export function nextStatus(status: ServiceRequestStatus, action: LifecycleAction): ServiceRequestStatus {
  const transition = TRANSITIONS[action];
  if (transition.from.includes(status)) return transition.to === 'unchanged' ? status : transition.to;
  const reason = REASONS[action]?.[status] ?? `${action} is allowed only from ${transition.from.join(', ')}`;
  throw new InvalidTransition(`Cannot ${action} a service request that is ${status.replaceAll('_', ' ')}: ${reason}.`);
}
