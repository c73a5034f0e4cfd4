import { eventType } from '../../../infrastructure/outbox/event-catalogue.js';
import type { WorkPlanDto, WorkPlanEntryDto } from './dto/work-plan.dto.js';
import type { EntryChange, EntrySnapshot } from './plan-changes.js';

/** Work plans (R-SP4): each event carries the plan as `GET /work-plans/{id}` shows it. */
export const WorkPlanEvents = {
  created: eventType<{ workPlan: WorkPlanDto }>('work_plan.created', 'work_plan'),
  submitted: eventType<{ workPlan: WorkPlanDto; resubmission: boolean }>('work_plan.submitted', 'work_plan'),
  approved: eventType<{ workPlan: WorkPlanDto; approvedBy: string }>('work_plan.approved', 'work_plan'),
  changesRequested: eventType<{ workPlan: WorkPlanDto; comment: string; requestedBy: string }>(
    'work_plan.changes_requested',
    'work_plan',
  ),
  /**
   * The entries changed: reordered, added, removed, edited, a visit dispatched. `ownerNotified` is true
   * when someone other than the owner made the change (a notice went to the owner), for partners' messaging.
   */
  changed: eventType<{
    workPlan: WorkPlanDto;
    changedBy: string;
    ownerNotified: boolean;
    changes: EntryChange[];
    before: EntrySnapshot[];
    after: EntrySnapshot[];
  }>('work_plan.changed', 'work_plan'),
};

/** Visits (R-SP5): check-in and check-out with coordinates, the outcome, a visit dispatched to a salesperson. */
export const VisitEvents = {
  checkedIn: eventType<{ visit: WorkPlanEntryDto }>('visit.checked_in', 'visit'),
  checkedOut: eventType<{ visit: WorkPlanEntryDto }>('visit.checked_out', 'visit'),
  skipped: eventType<{ visit: WorkPlanEntryDto; reason: string }>('visit.skipped', 'visit'),
  dispatched: eventType<{ visit: WorkPlanEntryDto; dispatchedBy: string }>('visit.dispatched', 'visit'),
};

export const FIELD_SALES_EVENTS = [...Object.values(WorkPlanEvents), ...Object.values(VisitEvents)];
