import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Forbidden } from '../../common/errors/domain-errors.js';
import { ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';

/**
 * A staff member takes the most urgent queued request they are qualified for (skill and region) and
 * it is assigned to them; null when there is none. Concurrent callers never get the same request.
 */
@Injectable()
export class TakeNextServiceRequest {
  constructor(private readonly requests: ServiceRequestsRepository) {}

  async execute(principal: Principal): Promise<ServiceRequestRow | null> {
    if (principal.kind !== 'user') throw new Forbidden('Only staff users take requests from the queue.');
    return this.requests.takeNext(principal.id);
  }
}
