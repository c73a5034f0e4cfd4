import { catalogue, eventType, subscriber, type EventType } from '../../infrastructure/outbox/event-catalogue.js';
import type { ServiceRequestDto } from './dto/service-request.dto.js';

/**
 * Every service request event carries the request as the API shows it, plus the details of its change
 * (written by the repository's statements, in the same statement as the change).
 */
export interface ServiceRequestEventPayload {
  serviceRequest: ServiceRequestDto;
  /** updated: the columns changed. */
  fields?: string[];
  /** assigned: 'next' (taken from the queue) or 'dispatch' (by a manager, with `assignedTo`). */
  via?: string;
  assignedTo?: string;
  /** reopened */
  reason?: string;
  /** satisfaction_recorded */
  score?: number;
  /** sla_warning, breached */
  clock?: string;
  deadline?: string;
  escalationTaskId?: string | null;
}

const changes = [
  'created',
  'updated',
  'queued',
  'assigned',
  'reassigned',
  'started',
  'waiting_on_customer',
  'resumed',
  'resolved',
  'closed',
  'reopened',
  'satisfaction_recorded',
  'sla_warning',
  'breached',
] as const;

/** The change a service request event records: its type is `service_request.<change>`. */
export type ServiceRequestChange = (typeof changes)[number];

/** `ServiceRequestEvents.assigned` is `service_request.assigned`, and so on for every change. */
export const ServiceRequestEvents = Object.fromEntries(
  changes.map((change) => [
    change,
    eventType<ServiceRequestEventPayload>(`service_request.${change}`, 'service_request'),
  ]),
) as Record<ServiceRequestChange, EventType<ServiceRequestEventPayload>>;

export const ServiceRequestsSubscribers = {
  /** (Re)schedules the SLA alarms after every change that starts or moves a clock. */
  scheduleSlaAlarms: subscriber('service-requests', 'schedule-sla-alarms', [
    ServiceRequestEvents.created,
    ServiceRequestEvents.updated,
    ServiceRequestEvents.queued,
    ServiceRequestEvents.assigned,
    ServiceRequestEvents.started,
    ServiceRequestEvents.resumed,
    ServiceRequestEvents.reopened,
  ]),
};

export const SERVICE_REQUESTS_CATALOGUE = catalogue(
  'service-requests',
  ServiceRequestEvents,
  ServiceRequestsSubscribers,
);
