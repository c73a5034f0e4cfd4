import { eventType } from '../../infrastructure/outbox/event-catalogue.js';
import type { ImprovementActionDto } from './dto/improvement-action.dto.js';

/** Every change of an improvement action carries the action as the API shows it. */
export interface ImprovementActionEventPayload {
  improvementAction: ImprovementActionDto;
  /** complaints_linked */
  complaintIds?: string[];
  /** verified, ineffective */
  note?: string | null;
}

/**
 * One per customer linked to a completed action, however many of its complaints they filed (R-P4):
 * what partners' messaging systems and the outreach module tell the customer.
 */
export interface ReportedBackPayload {
  actionId: string;
  customerId: string;
  complaintIds: string[];
  /** What was changed, in the owner's words. */
  summary: string;
  title: string;
  rootCause: string;
  /** The completion round (an action found ineffective and completed again reports back again). */
  round: number;
}

export const ImprovementActionEvents = {
  created: eventType<ImprovementActionEventPayload>('improvement_action.created', 'improvement_action'),
  updated: eventType<ImprovementActionEventPayload>('improvement_action.updated', 'improvement_action'),
  complaintsLinked: eventType<ImprovementActionEventPayload>(
    'improvement_action.complaints_linked',
    'improvement_action',
  ),
  started: eventType<ImprovementActionEventPayload>('improvement_action.started', 'improvement_action'),
  completed: eventType<ImprovementActionEventPayload>('improvement_action.completed', 'improvement_action'),
  verified: eventType<ImprovementActionEventPayload>('improvement_action.verified', 'improvement_action'),
  ineffective: eventType<ImprovementActionEventPayload>('improvement_action.ineffective', 'improvement_action'),
  reportedBack: eventType<ReportedBackPayload>('improvement_action.reported_back', 'improvement_action'),
};
