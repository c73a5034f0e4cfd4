import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Forbidden } from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { UsersService } from '../identity/users.service.js';
import type { AssigneeSuggestionDto, ListServiceRequestsQuery, QueueDto } from './dto/service-request.dto.js';
import { isTechnicianOnly, SERVICE_STAFF, visibleTo } from './service-request-access.js';
import { Qualification, ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import { priorityOf } from './service-priority.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';

/**
 * What the service request endpoints read: a request, the list, the queue in serving order and whom
 * to send. Every change is a use case of its own (FileServiceRequest, TakeNextServiceRequest,
 * DispatchServiceRequest, TransitionServiceRequest, UpdateServiceRequest, RecordSatisfaction).
 */
@Injectable()
export class ServiceRequestsService {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async get(id: string, principal: Principal): Promise<ServiceRequestRow> {
    return visibleTo(principal, id, await this.requests.find(id));
  }

  /** The request whoever asks (other modules: a complaint's request, the open problems' check); null when there is none. */
  find(id: string): Promise<ServiceRequestRow | null> {
    return this.requests.find(id);
  }

  /** Newest first; a technician sees only the requests dispatched to them. */
  async list(query: ListServiceRequestsQuery, principal: Principal): Promise<Page<ServiceRequestRow>> {
    const onlyMine = isTechnicianOnly(principal);
    if (onlyMine && query.assignedTo && query.assignedTo !== principal.id) return { data: [], nextCursor: null };
    const filter = {
      status: query.status,
      customerId: query.customerId,
      severity: query.severity,
      assignedTo: onlyMine ? principal.id : query.assignedTo,
    };
    const rows = await this.requests.list(filter, decodeCursor(query.cursor), query.limit);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) => row,
    );
  }

  /** The queue in the order it will be served, with each request's priority now. */
  async queueView(mine: boolean, limit: number, principal: Principal): Promise<QueueDto> {
    const qualification: Qualification = mine ? await this.qualificationOf(principal) : { skills: null, region: null };
    const [{ rows, total }, longest] = await Promise.all([
      this.requests.queue(qualification, limit),
      this.policies.longestFirstResponseMinutes(),
    ]);
    const now = new Date();
    return {
      total,
      data: rows.map((row, index) => ({
        position: index + 1,
        priority: priorityOf(
          { respondBy: new Date(row.respondBy), escalationLevel: row.escalationLevel },
          now,
          longest,
          this.config.businessCalendar,
        ),
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

  /** The best three people to send: qualified by skill and region, least loaded first, those of the request's own region before roaming staff. */
  async suggestAssignees(id: string, principal: Principal): Promise<AssigneeSuggestionDto[]> {
    const request = await this.get(id, principal);
    const candidates = await this.users.findQualified([...SERVICE_STAFF], request.requiredSkill, request.region);
    const load = await this.requests.openLoad(candidates.map((candidate) => candidate.id));
    return candidates
      .map((candidate) => ({
        userId: candidate.id,
        name: candidate.name,
        region: candidate.region,
        skills: candidate.skills,
        openRequests: load.get(candidate.id) ?? 0,
      }))
      .sort(
        (a, b) =>
          a.openRequests - b.openRequests ||
          Number(a.region === null) - Number(b.region === null) ||
          a.name.localeCompare(b.name),
      )
      .slice(0, 3);
  }

  private async qualificationOf(principal: Principal): Promise<Qualification> {
    const user = principal.kind === 'user' ? await this.users.find(principal.id) : null;
    if (!user) throw new Forbidden('Only staff users take requests from the queue.');
    return { skills: user.skills, region: user.region };
  }
}
