import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { CustomerRecordsService } from '../customers/customer-records.service.js';
import { CustomersService } from '../customers/customers.service.js';
import type { CreateServiceRequestDto } from './dto/service-request.dto.js';
import { ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import { deadlinesFor, targetsIn } from './service-priority.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';

const MAX_BACKDATING_MS = 7 * 24 * 3600_000;
const CLOCK_SKEW_MS = 60_000;

/**
 * A customer's request is filed: received now or up to a week ago, for a customer that exists (and a
 * purchase of theirs, if named), with the SLA deadlines of the customer's tier and the severity counted
 * in business hours, queued at once unless held for triage.
 */
@Injectable()
export class FileServiceRequest {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly policies: SlaPoliciesRepository,
    private readonly customers: CustomersService,
    private readonly customerRecords: CustomerRecordsService,
    private readonly config: AppConfig,
  ) {}

  async execute(command: CreateServiceRequestDto, principal: Principal, requestId: string): Promise<ServiceRequestRow> {
    const receivedAt = receivedAtOf(command.receivedAt);
    const terms = await this.intakeTerms.call({
      customerId: command.customerId.toLowerCase(),
      severity: command.severity,
    });
    if (!terms)
      throw new Unprocessable('The customer does not exist.', [
        { field: 'customerId', message: 'no customer has this id' },
      ]);
    if (terms instanceof Error) throw terms;
    const { tier, targets } = terms;
    if (command.purchaseId && !(await this.customerRecords.purchaseBelongsTo(command.purchaseId, command.customerId))) {
      throw new Unprocessable('The purchase is not one of this customer’s.', [
        { field: 'purchaseId', message: 'no purchase of this customer has this id' },
      ]);
    }
    const { respondBy, resolveBy } = deadlinesFor(receivedAt, targets, this.config.businessCalendar);
    return this.requests.insert(
      {
        customerId: command.customerId,
        purchaseId: command.purchaseId ?? null,
        channel: command.channel ?? (principal.kind === 'api_key' ? 'api' : 'phone'),
        type: command.type,
        severity: command.severity,
        subject: command.subject,
        description: command.description ?? null,
        requiredSkill: command.requiredSkill ?? null,
        region: command.region ?? null,
        address: command.address ?? null,
        status: command.hold ? 'new' : 'queued',
        tier,
        receivedAt,
        respondBy,
        resolveBy,
        createdByType: principal.kind,
        createdById: principal.id,
      },
      requestId,
    );
  }

  /**
   * Each filing's customer tier and SLA targets (null: no such customer; an error fails only its own
   * filing). The filings of the same moment share one read of their customers' tiers and one of the
   * policies, made together. Customer ids come lower-case, as PostgreSQL writes them.
   */
  private readonly intakeTerms = new MicroBatch(async (filings: { customerId: string; severity: string }[]) => {
    const [tiers, policies] = await Promise.all([
      this.customers.tiersOf([...new Set(filings.map((filing) => filing.customerId))]),
      this.policies.list(),
    ]);
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
}

function receivedAtOf(value: string | undefined): Date {
  const now = Date.now();
  if (value === undefined) return new Date(now);
  const at = new Date(value);
  if (at.getTime() > now + CLOCK_SKEW_MS)
    throw new ValidationFailed([{ field: 'receivedAt', message: 'must not be in the future' }]);
  if (at.getTime() < now - MAX_BACKDATING_MS)
    throw new ValidationFailed([{ field: 'receivedAt', message: 'must be within the last 7 days' }]);
  return at;
}
