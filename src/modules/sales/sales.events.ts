import { catalogue, eventType, subscriber } from '../../infrastructure/outbox/event-catalogue.js';
import { CustomersEvents } from '../customers/customers.events.js';
import type { LeadAssignmentDto, LeadDto } from './dto/lead.dto.js';
import type { OpportunityDto } from './dto/opportunity.dto.js';
import type { ProductDto, QuoteDto } from './dto/quote.dto.js';
import { FIELD_SALES_EVENTS } from './field-sales/field-sales.events.js';

/** Every sales event carries its record as the API shows it, plus the details of the change. */
export const LeadEvents = {
  created: eventType<{ lead: LeadDto }>('lead.created', 'lead'),
  assigned: eventType<{ lead: LeadDto; assignment: LeadAssignmentDto }>('lead.assigned', 'lead'),
  statusChanged: eventType<{ lead: LeadDto; from: string; to: string; reason: string | null }>(
    'lead.status_changed',
    'lead',
  ),
  converted: eventType<{ lead: LeadDto; customerId: string; opportunityId: string; customerCreated: boolean }>(
    'lead.converted',
    'lead',
  ),
  /** The response deadline passed: `stage` is `reminder` (to the owner) or `escalation` (to their manager). */
  responseOverdue: eventType<{ lead: LeadDto; stage: 'reminder' | 'escalation'; taskId: string }>(
    'lead.response_overdue',
    'lead',
  ),
  ownerChanged: eventType<{
    leadId: string;
    fromUserId: string | null;
    toUserId: string;
    reassignmentId: string | null;
  }>('lead.owner_changed', 'lead'),
};

export const OpportunityEvents = {
  created: eventType<{ opportunity: OpportunityDto }>('opportunity.created', 'opportunity'),
  updated: eventType<{ opportunity: OpportunityDto; changedFields: string[] }>('opportunity.updated', 'opportunity'),
  stageChanged: eventType<{ opportunity: OpportunityDto; fromStageId: string; toStageId: string }>(
    'opportunity.stage_changed',
    'opportunity',
  ),
  won: eventType<{ opportunity: OpportunityDto }>('opportunity.won', 'opportunity'),
  lost: eventType<{ opportunity: OpportunityDto; reason: string }>('opportunity.lost', 'opportunity'),
  ownerChanged: eventType<{
    opportunityId: string;
    fromUserId: string | null;
    toUserId: string;
    reassignmentId: string | null;
  }>('opportunity.owner_changed', 'opportunity'),
};

export const ProductEvents = {
  created: eventType<{ product: ProductDto }>('product.created', 'product'),
  updated: eventType<{ product: ProductDto; changedFields: string[] }>('product.updated', 'product'),
};

export const QuoteEvents = {
  created: eventType<{ quote: QuoteDto }>('quote.created', 'quote'),
  /** The discount is beyond the maker's limit: `approver` (a manager, or an administrator) has a task. */
  approvalRequested: eventType<{ quote: QuoteDto; approver: 'manager' | 'admin'; taskId: string }>(
    'quote.approval_requested',
    'quote',
  ),
  approved: eventType<{ quote: QuoteDto }>('quote.approved', 'quote'),
  rejected: eventType<{ quote: QuoteDto; reason: string }>('quote.rejected', 'quote'),
  sent: eventType<{ quote: QuoteDto }>('quote.sent', 'quote'),
  ownerChanged: eventType<{
    quoteId: string;
    fromUserId: string | null;
    toUserId: string;
    reassignmentId: string | null;
  }>('quote.owner_changed', 'quote'),
  /** A revision replaced the quote before it was sent. */
  superseded: eventType<{ quote: QuoteDto }>('quote.superseded', 'quote'),
};

/** A hand-over as events and `GET /admin/reassign/{id}` show it. */
export interface ReassignmentView {
  id: string;
  fromUserId: string;
  /** Null when the book is spread over the assignment rules' salespeople. */
  toUserId: string | null;
  spread: 'assignment_rules' | null;
  include: string[];
  status: string;
  moved: Record<string, number>;
  createdAt: string;
  finishedAt: string | null;
}

export const HandOverEvents = {
  /** Starts the hand-over's job (internal: the outbox makes sure the job is queued once the request committed). */
  requested: eventType<{ reassignmentId: string }>('sales.hand_over_requested', 'reassignment', { internal: true }),
  /** The whole book moved: one event per hand-over, beside each record's `*.owner_changed`. */
  bookReassigned: eventType<{ reassignment: ReassignmentView }>('sales.book_reassigned', 'reassignment'),
};

export const SalesSubscribers = {
  /** Queues the hand-over's job (job id per hand-over: queued once). */
  startHandOver: subscriber('sales', 'start-hand-over', [HandOverEvents.requested]),
  /** Schedules a new lead's response reminder (to its owner) and escalation (to their manager) as delayed jobs. */
  scheduleLeadReminders: subscriber('sales', 'schedule-lead-reminders', [LeadEvents.created]),
  /** Attributes a purchase to its customer's won opportunity when it falls within the attribution window. */
  attributePurchase: subscriber('sales', 'attribute-purchase', [CustomersEvents.purchaseRecorded]),
  /** Marks a refunded purchase's attribution refunded: no longer its opportunity's revenue in the lead-source report. */
  refundAttributedPurchase: subscriber('sales', 'refund-attributed-purchase', [CustomersEvents.purchaseRefunded]),
};

const SALES_EVENTS = [
  ...Object.values(LeadEvents),
  ...Object.values(OpportunityEvents),
  ...Object.values(ProductEvents),
  ...Object.values(QuoteEvents),
  ...Object.values(HandOverEvents),
  ...FIELD_SALES_EVENTS,
];

export const SALES_CATALOGUE = catalogue(
  'sales',
  Object.fromEntries(SALES_EVENTS.map((type) => [type.name, type])),
  SalesSubscribers,
);
