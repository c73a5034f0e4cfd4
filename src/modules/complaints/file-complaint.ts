import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import type { FieldError } from '../../common/errors/domain-errors.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { CustomerRecordsService } from '../customers/customer-records.service.js';
import { CustomersService } from '../customers/customers.service.js';
import { ServiceRequestsService } from '../service-requests/service-requests.service.js';
import type { CreateComplaintDto } from './dto/complaint.dto.js';
import { complaintDeadlines, targetFor, type ComplaintTargets } from './complaint-clock.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { ComplaintTaxonomyRepository } from './complaint-taxonomy.repository.js';
import { ComplaintIntakeRefused } from './complaints-errors.js';
import { ComplaintRow, ComplaintsRepository } from './complaints.repository.js';

const MAX_BACKDATING_MS = 7 * 24 * 3600_000;
const CLOCK_SKEW_MS = 60_000;

interface IntakeTerms {
  tier: string | null;
  region: string | null;
  targets: ComplaintTargets;
  categoryActive: boolean;
}

/**
 * A customer's complaint is taken in (R-P1): from any channel, about a customer who exists, in an
 * active category of the taxonomy, about a purchase or service request of theirs if one is named,
 * received now or up to a week ago; with the acknowledgement and resolution deadlines of the customer's
 * tier and the severity counted in business hours. Anything wrong is one 422 naming every field, and
 * nothing is written.
 */
@Injectable()
export class FileComplaint {
  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly targets: ComplaintTargetsRepository,
    private readonly taxonomy: ComplaintTaxonomyRepository,
    private readonly customers: CustomersService,
    private readonly customerRecords: CustomerRecordsService,
    private readonly serviceRequests: ServiceRequestsService,
    private readonly config: AppConfig,
  ) {}

  async execute(command: CreateComplaintDto, principal: Principal, requestId: string): Promise<ComplaintRow> {
    const customerId = command.customerId.toLowerCase();
    const [terms, purchase, serviceRequest] = await Promise.all([
      this.intakeTerms.call({ customerId, severity: command.severity, category: command.category }),
      command.purchaseId ? this.customerRecords.purchaseFacts(command.purchaseId) : null,
      command.serviceRequestId ? this.serviceRequests.find(command.serviceRequestId) : null,
    ]);
    const errors: FieldError[] = [];
    const receivedAt = command.receivedAt ? new Date(command.receivedAt) : new Date();
    if (receivedAt.getTime() > Date.now() + CLOCK_SKEW_MS)
      errors.push({ field: 'receivedAt', message: 'must not be in the future' });
    else if (receivedAt.getTime() < Date.now() - MAX_BACKDATING_MS)
      errors.push({ field: 'receivedAt', message: 'must be within the last 7 days' });
    if (!terms) errors.push({ field: 'customerId', message: 'no customer has this id' });
    if (terms && !terms.categoryActive)
      errors.push({ field: 'category', message: 'not an active category of the complaint taxonomy' });
    if (command.purchaseId && purchase?.customerId !== customerId)
      errors.push({ field: 'purchaseId', message: 'no purchase of this customer has this id' });
    if (command.serviceRequestId && serviceRequest?.customerId !== customerId)
      errors.push({ field: 'serviceRequestId', message: 'no service request of this customer has this id' });
    if (errors.length || !terms)
      throw new ComplaintIntakeRefused('The complaint cannot be taken in as it is: see errors.', errors);

    const { acknowledgeBy, resolveBy } = complaintDeadlines(receivedAt, terms.targets, this.config.businessCalendar);
    return this.complaints.insert(
      {
        customerId,
        channel: command.channel ?? (principal.kind === 'api_key' ? 'api' : 'hotline'),
        category: command.category,
        severity: command.severity,
        subject: command.subject,
        description: command.description ?? null,
        purchaseId: command.purchaseId ?? null,
        serviceRequestId: command.serviceRequestId ?? null,
        product: command.product ?? purchase?.product ?? null,
        region: terms.region,
        tier: terms.tier,
        receivedAt,
        acknowledgeBy,
        resolveBy,
        createdByType: principal.kind,
        createdById: principal.id,
      },
      requestId,
    );
  }

  /**
   * Each filing's customer facts, targets and whether its category is active (null: no such customer).
   * The filings of the same moment share one read of their customers, one of the targets and one of
   * the categories, made together.
   */
  private readonly intakeTerms = new MicroBatch(
    async (filings: { customerId: string; severity: string; category: string }[]): Promise<(IntakeTerms | null)[]> => {
      const [facts, targets, categories] = await Promise.all([
        this.customers.intakeFactsOf([...new Set(filings.map((filing) => filing.customerId))]),
        this.targets.targets(),
        this.taxonomy.categories(),
      ]);
      const active = new Set(categories.filter((category) => category.active).map((category) => category.code));
      return filings.map(({ customerId, severity, category }) => {
        const customer = facts.get(customerId);
        if (!customer) return null;
        return {
          tier: customer.tier,
          region: customer.region,
          targets: targetFor(targets, customer.tier, severity),
          categoryActive: active.has(category),
        };
      });
    },
  );
}
