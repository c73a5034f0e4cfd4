import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { ServiceRequestEvents } from '../service-requests/service-requests.events.js';
import { ServiceRequestsService } from '../service-requests/service-requests.service.js';
import { ComplaintsSubscribers } from './complaints.events.js';
import { OpenProblemsRepository } from './open-problems.repository.js';

const FINISHED = ['resolved', 'closed'];

/**
 * A service request that missed a deadline is an open problem of its customer until it is resolved or
 * closed (R-P5), from the service-requests events. Events can be handled out of order (a retried
 * breach after the resolution), so a breach adds the row first and then looks at the request as it is
 * now: if it was resolved meanwhile, the row goes again. Either the resolution's handler runs after
 * the row exists and removes it, or this check sees the resolution — no interleaving leaves a stale row.
 */
@Injectable()
export class OverdueServiceRequestsHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly problems: OpenProblemsRepository,
    private readonly serviceRequests: ServiceRequestsService,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(ComplaintsSubscribers.trackOverdueServiceRequests, async (event) => {
      const { id, customerId } = event.payload.serviceRequest;
      if (event.type === ServiceRequestEvents.breached.name) {
        await this.problems.add(customerId, 'overdue_service_request', id, event.occurredAt);
        const now = await this.serviceRequests.find(id);
        if (now && !FINISHED.includes(now.status)) return;
      }
      await this.problems.remove(customerId, 'overdue_service_request', id);
    });
  }
}
