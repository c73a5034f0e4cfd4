import { Injectable } from '@nestjs/common';
import { hasRole, Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, Forbidden, NotFound, StaleVersion, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { Tx, TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { CustomerRecordsService } from '../customers/customer-records.service.js';
import { CustomersService } from '../customers/customers.service.js';
import { UsersService } from '../identity/users.service.js';
import {
  AssigneeSuggestionDto, CreateServiceRequestDto, ListServiceRequestsQuery, QueueDto, ServiceRequestDto, UpdateServiceRequestDto,
} from './dto/service-request.dto.js';
import { toServiceRequestDto } from './service-request.presenter.js';
import { Qualification, ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import { LifecycleAction, nextStatus, ServiceRequestStatus } from './service-request-lifecycle.js';
import { InvalidTransition } from './service-requests-errors.js';
import { deadlinesFor, priorityOf, SlaTargets, targetsIn } from './service-priority.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';
import type { ServiceRequestChange } from './service-requests.events.js';

const MAX_BACKDATING_MS = 7 * 24 * 3600_000;
const CLOCK_SKEW_MS = 60_000;
/** Roles whose members take requests from the queue or are dispatched to. */
const SERVICE_STAFF = ['agent', 'technician', 'manager'] as const;

/** Service requests: intake, the priority queue, dispatch and the lifecycle with its SLA clocks. */
@Injectable()
export class ServiceRequestsService {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly customers: CustomersService,
    private readonly customerRecords: CustomerRecordsService,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateServiceRequestDto, principal: Principal, requestId: string): Promise<ServiceRequestDto> {
    const receivedAt = this.receivedAt(dto.receivedAt);
    const terms = await this.intakeTerms.call({ customerId: dto.customerId.toLowerCase(), severity: dto.severity });
    if (!terms) throw new Unprocessable('The customer does not exist.', [{ field: 'customerId', message: 'no customer has this id' }]);
    if (terms instanceof Error) throw terms;
    const { tier, targets } = terms;
    if (dto.purchaseId && !(await this.customerRecords.purchaseBelongsTo(dto.purchaseId, dto.customerId))) {
      throw new Unprocessable('The purchase is not one of this customer’s.', [{ field: 'purchaseId', message: 'no purchase of this customer has this id' }]);
    }
    const { respondBy, resolveBy } = deadlinesFor(receivedAt, targets, this.config.businessCalendar);
    const row = await this.requests.insert({
      customerId: dto.customerId,
      purchaseId: dto.purchaseId ?? null,
      channel: dto.channel ?? (principal.kind === 'api_key' ? 'api' : 'phone'),
      type: dto.type,
      severity: dto.severity,
      subject: dto.subject,
      description: dto.description ?? null,
      requiredSkill: dto.requiredSkill ?? null,
      region: dto.region ?? null,
      address: dto.address ?? null,
      status: dto.hold ? 'new' : 'queued',
      tier,
      receivedAt,
      respondBy,
      resolveBy,
      createdByType: principal.kind,
      createdById: principal.id,
    }, requestId);
    return toServiceRequestDto(row);
  }

  /**
   * Each filing's customer tier and SLA targets (null: no such customer; an error fails only its own
   * filing). The filings of the same moment share one read of their customers' tiers and one of the
   * policies, made together. Customer ids come lower-case, as PostgreSQL writes them.
   */
  private readonly intakeTerms = new MicroBatch(async (filings: { customerId: string; severity: string }[]) => {
    const [tiers, policies] = await Promise.all([this.customers.tiersOf([...new Set(filings.map((filing) => filing.customerId))]), this.policies.list()]);
    return filings.map(({ customerId, severity }) => {
      if (!tiers.has(customerId)) return null;
      const tier = tiers.get(customerId) ?? null;
      try {
        return { tier, targets: targetsIn(policies, tier, severity) };
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
  });

  async get(id: string, principal: Principal): Promise<ServiceRequestDto> {
    return toServiceRequestDto(await this.visible(id, principal));
  }

  async list(query: ListServiceRequestsQuery, principal: Principal): Promise<Page<ServiceRequestDto>> {
    const onlyMine = isTechnicianOnly(principal);
    if (onlyMine && query.assignedTo && query.assignedTo !== principal.id) return { data: [], nextCursor: null };
    const filter = { status: query.status, customerId: query.customerId, severity: query.severity, assignedTo: onlyMine ? principal.id : query.assignedTo };
    const rows = await this.requests.list(filter, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toServiceRequestDto);
  }

  async update(id: string, dto: UpdateServiceRequestDto, ifMatch: number | undefined, principal: Principal, requestId: string): Promise<ServiceRequestDto> {
    rejectNulls(dto, ['type', 'severity', 'subject']);
    const expected = ifMatch ?? dto.version;
    return this.transactions.run(async (tx) => {
      const current = await this.lockVisible(tx, id, principal);
      if (expected !== undefined && expected !== current.version) throw new StaleVersion('The service request', expected, current.version);
      const changes: Record<string, unknown> = {};
      const columns = { type: 'type', severity: 'severity', subject: 'subject', description: 'description', requiredSkill: 'required_skill', region: 'region', address: 'address' } as const;
      for (const [field, column] of Object.entries(columns)) {
        const value = dto[field as keyof typeof columns];
        if (value !== undefined && value !== current[field as keyof typeof columns]) changes[column] = value;
      }
      if (!Object.keys(changes).length) return toServiceRequestDto(current);
      if (changes.severity && !['resolved', 'closed'].includes(current.status)) {
        const targets = await this.policies.targetsFor(current.tier, changes.severity as string, tx);
        Object.assign(changes, this.deadlineColumns(current, new Date(current.slaStartedAt), targets, current.pausedMinutes));
      }
      const row = await this.requests.update(tx, id, changes, { change: 'updated', details: { fields: Object.keys(changes) } });
      await this.audit.record(tx, principal, requestId, {
        action: 'service_request.updated', entityType: 'service_request', entityId: id, before: toServiceRequestDto(current), after: toServiceRequestDto(row), fields: Object.keys(changes),
      });
      return toServiceRequestDto(row);
    });
  }

  /** A request held as `new` for triage joins the queue. */
  queue(id: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'queue', principal, () => ({}));
  }

  /** The caller takes the most urgent queued request they are qualified for, or null when there is none. */
  async takeNext(principal: Principal): Promise<ServiceRequestDto | null> {
    if (principal.kind !== 'user') throw new Forbidden('Only staff users take requests from the queue.');
    const row = await this.requests.takeNext(principal.id);
    return row && toServiceRequestDto(row);
  }

  /** Dispatch to a person; a request already being worked on is handed over and keeps its status. */
  async assign(id: string, assigneeId: string, expectedVersion: number | undefined, principal: Principal): Promise<ServiceRequestDto> {
    const assignee = await this.users.find(assigneeId);
    const action = (current: ServiceRequestRow): LifecycleAction => (['in_progress', 'waiting_on_customer'].includes(current.status) ? 'hand_over' : 'assign');
    return this.transition(id, action, principal, (current) => {
      const problem = !assignee || !assignee.active
        ? 'no active user has this id'
        : !assignee.roles.some((role) => (SERVICE_STAFF as readonly string[]).includes(role))
          ? 'they are not an agent, technician or manager'
          : current.requiredSkill && !assignee.skills.includes(current.requiredSkill)
            ? `they do not have the skill ${current.requiredSkill}`
            : current.region && assignee.region && assignee.region !== current.region
              ? `they work in ${assignee.region}, not ${current.region}`
              : null;
      if (problem) throw new Unprocessable(`The request cannot be assigned to this person: ${problem}.`, [{ field: 'assigneeId', message: problem }]);
      return { assigned_to: assigneeId, assigned_at: new Date() };
    }, { assignedTo: assigneeId, via: 'dispatch' }, expectedVersion);
  }

  /** The best three people to send: qualified by skill and region, least loaded first, those of the request's own region before roaming staff. */
  async suggestAssignees(id: string, principal: Principal): Promise<AssigneeSuggestionDto[]> {
    const request = await this.visible(id, principal);
    const candidates = await this.users.findQualified([...SERVICE_STAFF], request.requiredSkill, request.region);
    const load = await this.requests.openLoad(candidates.map((candidate) => candidate.id));
    return candidates
      .map((candidate) => ({ userId: candidate.id, name: candidate.name, region: candidate.region, skills: candidate.skills, openRequests: load.get(candidate.id) ?? 0 }))
      .sort((a, b) => a.openRequests - b.openRequests || Number(a.region === null) - Number(b.region === null) || a.name.localeCompare(b.name))
      .slice(0, 3);
  }

  start(id: string, principal: Principal): Promise<ServiceRequestDto> {
    // The first response is kept with the deadline it answered, so a reopened request still reports its first round truly.
    return this.transition(id, 'start', principal, (current) => (current.firstResponseAt ? {} : { first_response_at: new Date(), first_response_due: current.respondBy }));
  }

  /** Waiting on the customer: the resolution clock stops until the request is resumed. */
  waitForCustomer(id: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'wait', principal, () => ({ paused_at: new Date() }));
  }

  /** Back to work: the time spent waiting on the customer (business minutes) moves the resolution deadline. */
  resume(id: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'resume', principal, async (current, tx) => {
      const pausedMinutes = current.pausedMinutes + Math.max(0, this.config.businessCalendar.minutesBetween(new Date(current.pausedAt!), new Date()));
      const targets = await this.policies.targetsFor(current.tier, current.severity, tx);
      return { paused_at: null, paused_minutes: pausedMinutes, ...this.deadlineColumns(current, new Date(current.slaStartedAt), targets, pausedMinutes) };
    });
  }

  resolve(id: string, resolution: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'resolve', principal, () => ({ resolved_at: new Date(), resolution }));
  }

  close(id: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'close', principal, () => ({ closed_at: new Date() }));
  }

  /**
   * Back to the queue with fresh SLA clocks from now. The first response of the first round is kept for
   * reporting; the satisfaction score is cleared so the next resolution can be rated.
   */
  async reopen(id: string, reason: string, principal: Principal): Promise<ServiceRequestDto> {
    return this.transition(id, 'reopen', principal, async (current, tx) => {
      const targets = await this.policies.targetsFor(current.tier, current.severity, tx);
      const now = new Date();
      return {
        ...this.deadlineColumns(current, now, targets, 0),
        sla_started_at: now,
        paused_minutes: 0,
        assigned_to: null,
        assigned_at: null,
        resolved_at: null,
        closed_at: null,
        paused_at: null,
        escalation_level: 0,
        response_warned_at: null,
        response_breached_at: null,
        resolution_warned_at: null,
        resolution_breached_at: null,
        // The customer rates the next resolution; the earlier score stays in the audit log and on the timeline.
        satisfaction_score: null,
        satisfaction_comment: null,
        reopened_count: current.reopenedCount + 1,
      };
    }, { reason });
  }

  async recordSatisfaction(id: string, score: number, comment: string | undefined, principal: Principal, requestId: string): Promise<ServiceRequestDto> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockVisible(tx, id, principal);
      // A partner key rates only the requests it filed; another's are not there for it.
      if (principal.kind === 'api_key' && !(await this.requests.filedBy(tx, id, principal))) throw new NotFound('Service request', id);
      if (!['resolved', 'closed'].includes(current.status)) {
        throw new InvalidTransition('Satisfaction is asked for after the request is resolved.');
      }
      if (current.satisfactionScore !== null) throw new Conflict('Satisfaction was already recorded for this request.');
      const row = await this.requests.update(tx, id, { satisfaction_score: score, satisfaction_comment: comment ?? null }, { change: 'satisfaction_recorded', details: { score } });
      await this.audit.record(tx, principal, requestId, { action: 'service_request.satisfaction_recorded', entityType: 'service_request', entityId: id, after: { score, comment } });
      return toServiceRequestDto(row);
    });
  }

  /** The queue in the order it will be served, with each request's priority now. */
  async queueView(mine: boolean, limit: number, principal: Principal): Promise<QueueDto> {
    const qualification: Qualification = mine ? await this.qualificationOf(principal) : { skills: null, region: null };
    const [{ rows, total }, longest] = await Promise.all([this.requests.queue(qualification, limit), this.policies.longestFirstResponseMinutes()]);
    const now = new Date();
    return {
      total,
      data: rows.map((row, index) => ({
        position: index + 1,
        priority: priorityOf({ respondBy: new Date(row.respondBy), escalationLevel: row.escalationLevel }, now, longest, this.config.businessCalendar),
        id: row.id,
        number: row.number,
        customerId: row.customerId,
        tier: row.tier,
        severity: row.severity,
        subject: row.subject,
        requiredSkill: row.requiredSkill,
        region: row.region,
        receivedAt: row.receivedAt,
        respondBy: row.respondBy,
        resolveBy: row.resolveBy,
        escalationLevel: row.escalationLevel,
      })),
    };
  }

  private async transition(
    id: string,
    actionFor: LifecycleAction | ((current: ServiceRequestRow) => LifecycleAction),
    principal: Principal,
    changes: (current: ServiceRequestRow, tx: Tx) => Record<string, unknown> | Promise<Record<string, unknown>>,
    eventDetails: Record<string, unknown> = {},
    expectedVersion?: number,
  ): Promise<ServiceRequestDto> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockVisible(tx, id, principal);
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw new StaleVersion('The service request', expectedVersion, current.version);
      const action = typeof actionFor === 'function' ? actionFor(current) : actionFor;
      this.assertMayAct(current, action, principal);
      const status = nextStatus(current.status as ServiceRequestStatus, action);
      const row = await this.requests.update(tx, id, { status, ...(await changes(current, tx)) }, { change: EVENT_OF[action], details: eventDetails });
      return toServiceRequestDto(row);
    });
  }

  /**
   * Managers and admins may do anything; agents and technicians only what concerns them. The work
   * steps are the assignee's; changing, closing and reopening are the service desk's (any agent: the
   * desk triages, and closes once the customer confirms), while a technician sees only their own
   * requests at all (the README's role table).
   */
  private assertMayAct(request: ServiceRequestRow, action: LifecycleAction, principal: Principal): void {
    if (hasRole(principal, 'manager')) return;
    if (action === 'assign' || action === 'hand_over') throw new Forbidden('Only a manager dispatches requests to people.');
    const workOnOwnOnly: LifecycleAction[] = ['start', 'wait', 'resume', 'resolve'];
    if (workOnOwnOnly.includes(action) && request.assignedTo !== principal.id) {
      throw new Forbidden(`Only the person the request is assigned to (or a manager) may ${action} it.`);
    }
  }

  /**
   * Deadlines counted from `start`: the resolution clock also gets the time spent waiting on the
   * customer. A clock whose deadline moves into the future may warn and breach again.
   */
  private deadlineColumns(current: ServiceRequestRow, start: Date, targets: SlaTargets, pausedMinutes: number): Record<string, unknown> {
    const { respondBy, resolveBy } = deadlinesFor(start, targets, this.config.businessCalendar, pausedMinutes);
    const now = Date.now();
    const columns: Record<string, unknown> = { respond_by: respondBy, resolve_by: resolveBy };
    if (respondBy.getTime() !== Date.parse(current.respondBy) && respondBy.getTime() > now) Object.assign(columns, { response_warned_at: null, response_breached_at: null });
    if (resolveBy.getTime() !== Date.parse(current.resolveBy) && resolveBy.getTime() > now) Object.assign(columns, { resolution_warned_at: null, resolution_breached_at: null });
    return columns;
  }

  private async qualificationOf(principal: Principal): Promise<Qualification> {
    const user = principal.kind === 'user' ? await this.users.find(principal.id) : null;
    if (!user) throw new Forbidden('Only staff users take requests from the queue.');
    return { skills: user.skills, region: user.region };
  }

  private async visible(id: string, principal: Principal): Promise<ServiceRequestRow> {
    return visibleTo(principal, id, await this.requests.find(id));
  }

  private async lockVisible(tx: Tx, id: string, principal: Principal): Promise<ServiceRequestRow> {
    return visibleTo(principal, id, await this.requests.lock(tx, id));
  }

  private receivedAt(value: string | undefined): Date {
    const now = Date.now();
    if (value === undefined) return new Date(now);
    const at = new Date(value);
    if (at.getTime() > now + CLOCK_SKEW_MS) throw new ValidationFailed([{ field: 'receivedAt', message: 'must not be in the future' }]);
    if (at.getTime() < now - MAX_BACKDATING_MS) throw new ValidationFailed([{ field: 'receivedAt', message: 'must be within the last 7 days' }]);
    return at;
  }
}

const EVENT_OF: Record<LifecycleAction, ServiceRequestChange> = {
  queue: 'queued',
  assign: 'assigned',
  hand_over: 'reassigned',
  start: 'started',
  wait: 'waiting_on_customer',
  resume: 'resumed',
  resolve: 'resolved',
  close: 'closed',
  reopen: 'reopened',
};

/** The request, unless it does not exist or the caller may not see it (both 404). */
function visibleTo(principal: Principal, id: string, row: ServiceRequestRow | null): ServiceRequestRow {
  if (!row || (isTechnicianOnly(principal) && row.assignedTo !== principal.id)) throw new NotFound('Service request', id);
  return row;
}

/** A technician sees only what was dispatched to them, unless they also hold a broader role. */
function isTechnicianOnly(principal: Principal): principal is Principal & { kind: 'user' } {
  return principal.kind === 'user' && principal.roles.includes('technician') && !hasRole(principal, 'manager', 'agent', 'sales');
}

