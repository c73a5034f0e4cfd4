import type { DefaultJobOptions } from 'bullmq';

/** Every queue and the payload its jobs carry, in one place so producers and consumers cannot drift. */
export const QueueName = {
  DomainEvents: 'domain-events',
  EventSubscribers: 'event-subscribers',
  Maintenance: 'maintenance',
  TierRecalc: 'tier-recalc',
  Loyalty: 'loyalty',
  ServiceSla: 'service-sla',
  ComplaintSla: 'complaint-sla',
  ComplaintReport: 'complaint-report',
  WebhookDeliveries: 'webhook-deliveries',
  WebhookRecovery: 'webhook-recovery',
  Sales: 'sales',
  OutreachTriggers: 'outreach-triggers',
  OutreachEmail: 'outreach-email',
  OutreachSms: 'outreach-sms',
  OutreachWechat: 'outreach-wechat',
  FieldSales: 'field-sales',
  CustomerImports: 'customer-imports',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/**
 * The job options every queue's jobs start with — the app's registered queues and the queues
 * infrastructure creates itself (the outbox relay's). One constant, so a queue built by hand cannot
 * silently run its jobs once without retries again (issue 11, item 1).
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
} as const satisfies DefaultJobOptions;

/**
 * An outbox row on its way to consumers (webhooks, tier recalculation, outreach…): a reference only.
 * The payload stays in Postgres and is read from the outbox row when the job runs, so no customer's
 * personal data sits in Redis (its dumps, its replicas, the queue dashboard), and an erasure, which
 * redacts the outbox, reaches events still queued (see DomainEventHandlers).
 */
export interface DomainEventJob {
  eventId: string;
  outboxId: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: string;
}

/** A domain event as its handlers receive it: the job, and the payload as its outbox row holds it now; `P` is its type's payload (see `<module>.events.ts`). */
export interface DomainEvent<P = Record<string, unknown>> extends DomainEventJob {
  payload: P;
}

/**
 * One subscriber's handling of one event (job id `<event id>.<subscriber>`, see subscriberJobId), so each
 * handler retries on its own: a failing loyalty handler neither delays the webhook fan-out of the same
 * event nor re-runs the handlers that succeeded.
 */
export interface EventSubscriberJob extends DomainEventJob {
  subscriber: string;
}

/** BullMQ refuses a custom job id with one `:`; event ids are uuids, so the first `.` separates the two. */
export function subscriberJobId(eventId: string, subscriber: string): string {
  return `${eventId}.${subscriber}`;
}

/** A CSV import of customers to run (or resume), or the sweep that re-queues unfinished imports. */
export type CustomerImportJob = { kind: 'import'; importId: string } | { kind: 'recover' };

/** Housekeeping run on a schedule by whichever worker takes the job. */
export interface MaintenanceJob {
  task: 'purge-idempotency-keys' | 'purge-outbox';
}

/** Recalculate one customer's value and tier (debounced per customer), or everyone's. */
export type TierRecalcJob = { kind: 'customer'; customerId: string; cause: string } | { kind: 'all'; cause: string };

/** Daily loyalty housekeeping; `on` is the day (YYYY-MM-DD) it is for, which makes reruns harmless. */
export interface LoyaltyDailyJob {
  task: 'expire-points' | 'birthday-rewards';
  on?: string;
}

/** One SLA clock of one request reaching its warning point or its deadline; stale when the deadline has moved. */
export interface ServiceSlaJob {
  requestId: string;
  clock: 'response' | 'resolution';
  stage: 'warning' | 'breach';
  deadline: string;
}

/** One clock of one complaint reaching its warning point or its deadline; stale when the deadline has moved. */
export interface ComplaintSlaJob {
  complaintId: string;
  clock: 'acknowledgement' | 'resolution';
  stage: 'warning' | 'breach';
  deadline: string;
}

/** The periodic sweep that rebuilds the delayed SLA alarms from Postgres when Redis lost them. */
export interface SlaRecoveryJob {
  task: 'recover-alarms';
}

/** The complaint report's rollup taking in the complaints changed since it last ran. */
export interface ComplaintReportJob {
  task: 'roll-up';
}

/**
 * Send one webhook delivery (its row holds the endpoint and event; the secret never travels through
 * Redis). `generation` counts replays: a job of an older generation is obsolete.
 */
export interface WebhookDeliveryJob {
  deliveryId: string;
  generation: number;
}

/** The periodic sweep that re-queues pending deliveries without a job and fans out events whose fan-out was lost. */
export interface WebhookRecoveryJob {
  task: 'recover-deliveries' | 'purge-history';
}

/** A new lead's response deadline passing: remind its owner, later escalate to their manager (each once). */
export interface LeadOverdueJob {
  kind: 'lead-overdue';
  leadId: string;
  stage: 'reminder' | 'escalation';
}

/** One hand-over (`POST /admin/reassign`), moved slice by slice; its row in Postgres records the progress. */
export interface HandOverJob {
  kind: 'hand-over';
  reassignmentId: string;
}

/**
 * A care rule firing for one source (a purchase, a resolved request, a tier change), delayed by the
 * rule's days; job id `rule.<rule id>.<source id>`, so a redelivered event schedules nothing twice.
 * Or the daily scan of the date-based rules (`day`: the date it is for, which makes reruns harmless).
 * Or a campaign's launch (job id `campaign.<id>.v<version>`), delayed until its schedule.
 */
export type OutreachTriggerJob =
  | { task: 'fire-rule'; ruleId: string; customerId: string; sourceId: string }
  | { task: 'daily-scan'; day?: string }
  | { task: 'launch-campaign'; campaignId: string };

/**
 * Send a batch of outreach messages of one channel (job id = the messages' `send_job`); the rows hold
 * the channel, address and text. `messageId`: a job of one message, as they were added before batches.
 */
export interface OutreachSendJob {
  messageIds?: string[];
  messageId?: string;
}

/** The Friday reminder (next week's plan missing) or the Monday escalation (this week's), for every salesperson concerned. */
export interface WorkPlanReminderJob {
  stage: 'reminder' | 'escalation';
}

export interface JobPayloads {
  [QueueName.DomainEvents]: DomainEventJob;
  [QueueName.EventSubscribers]: EventSubscriberJob;
  [QueueName.Maintenance]: MaintenanceJob;
  [QueueName.TierRecalc]: TierRecalcJob;
  [QueueName.Loyalty]: LoyaltyDailyJob;
  [QueueName.ServiceSla]: ServiceSlaJob | SlaRecoveryJob;
  [QueueName.ComplaintSla]: ComplaintSlaJob | SlaRecoveryJob;
  [QueueName.WebhookDeliveries]: WebhookDeliveryJob;
  [QueueName.WebhookRecovery]: WebhookRecoveryJob;
  [QueueName.Sales]: LeadOverdueJob | HandOverJob;
  [QueueName.OutreachTriggers]: OutreachTriggerJob;
  [QueueName.OutreachEmail]: OutreachSendJob;
  [QueueName.OutreachSms]: OutreachSendJob;
  [QueueName.OutreachWechat]: OutreachSendJob;
  [QueueName.FieldSales]: WorkPlanReminderJob;
}
