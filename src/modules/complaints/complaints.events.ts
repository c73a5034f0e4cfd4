import { catalogue, eventType, subscriber, type EventType } from '../../infrastructure/outbox/event-catalogue.js';
import { ServiceRequestEvents } from '../service-requests/service-requests.events.js';
import type { ComplaintDto } from './dto/complaint.dto.js';
import { ImprovementActionEvents } from './improvement-actions.events.js';

/**
 * Every complaint event carries the complaint as the API shows it, plus the details of its change
 * (written in the same statement as the change, see ComplaintsRepository).
 */
export interface ComplaintEventPayload {
  complaint: ComplaintDto;
  /** assigned */
  assignedTo?: string;
  /** reopened, escalated by hand */
  reason?: string;
  /** satisfaction_recorded */
  score?: number;
  /** sla_warning, breached */
  clock?: string;
  deadline?: string;
  /** escalated: the level reached, the person it went to and their task */
  level?: number;
  escalatedTo?: string | null;
  escalationTaskId?: string | null;
}

const changes = [
  'received',
  'acknowledged',
  'assigned',
  'investigation_started',
  'waiting_on_customer',
  'resumed',
  'resolved',
  'closed',
  'reopened',
  'escalated',
  'satisfaction_recorded',
  'sla_warning',
  'breached',
] as const;

/** The change a complaint event records: its type is `complaint.<change>`. */
export type ComplaintChange = (typeof changes)[number];

/** `ComplaintEvents.resolved` is `complaint.resolved`, and so on for every change. */
export const ComplaintEvents = Object.fromEntries(
  changes.map((change) => [change, eventType<ComplaintEventPayload>(`complaint.${change}`, 'complaint')]),
) as Record<ComplaintChange, EventType<ComplaintEventPayload>>;

export const ComplaintsSubscribers = {
  /** (Re)schedules the acknowledgement and resolution alarms after every change that starts or moves a clock. */
  scheduleAlarms: subscriber('complaints', 'schedule-complaint-alarms', [
    ComplaintEvents.received,
    ComplaintEvents.resumed,
    ComplaintEvents.reopened,
  ]),
  /** A breached service request is an open problem of its customer until it is resolved or closed (R-P5). */
  trackOverdueServiceRequests: subscriber('complaints', 'track-overdue-service-requests', [
    ServiceRequestEvents.breached,
    ServiceRequestEvents.resolved,
    ServiceRequestEvents.closed,
  ]),
};

export const COMPLAINTS_CATALOGUE = catalogue(
  'complaints',
  { ...ComplaintEvents, ...ImprovementActionEvents },
  ComplaintsSubscribers,
);
