import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { hasRole } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import {
  Forbidden,
  NotFound,
  StaleVersion,
  Unprocessable,
  ValidationFailed,
} from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { UsersService } from '../identity/users.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import type {
  CreateQuoteDto,
  DecideQuoteDto,
  DiscountLimitsDto,
  ListQuotesQuery,
  QuoteDto,
  QuoteLineInputDto,
  ReviseQuoteDto,
} from './dto/quote.dto.js';
import { OpportunitiesRepository } from './opportunities.repository.js';
import { ProductsRepository } from './products.repository.js';
import { approverNeeded, discountLimitOf } from './quote-approval.js';
import { toQuoteDto } from './quote.presenter.js';
import { type QuoteRow, QuotesRepository } from './quotes.repository.js';
import { SalesAccess } from './sales-access.js';
import { OpportunityClosed, QuoteNotApproved, QuoteNotPending, QuoteSuperseded } from './sales-errors.js';
import { QuoteEvents } from './sales.events.js';

/**
 * Quotes (R-SP6): lines priced from the one price list; a discount beyond the maker's limit waits for a
 * manager's (or, beyond the manager limit, an administrator's) approval; only an approved quote is sent;
 * a quote never changes once made — a revision replaces it — so every price a customer sees has an
 * approved discount behind it.
 */
@Injectable()
export class QuotesService {
  constructor(
    private readonly quotes: QuotesRepository,
    private readonly products: ProductsRepository,
    private readonly opportunities: OpportunitiesRepository,
    private readonly users: UsersService,
    private readonly tasks: TasksService,
    private readonly access: SalesAccess,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateQuoteDto, principal: Principal, requestId: string): Promise<QuoteDto> {
    const opportunity = await this.opportunities.find(dto.opportunityId);
    if (!opportunity || !(await this.access.inBook(principal, opportunity.ownerId)))
      throw new Unprocessable('The opportunity does not exist.', [
        { field: 'opportunityId', message: 'no opportunity of yours has this id' },
      ]);
    if (opportunity.status !== 'open')
      throw new OpportunityClosed(`The opportunity was ${opportunity.status}; it takes no quotes.`);
    return toQuoteDto(
      await this.transactions.run((tx) =>
        this.make(tx, dto, { number: null, revision: 1, supersedesId: null }, opportunity, principal, requestId),
      ),
    );
  }

  /** A new revision replaces the quote (the replaced one, unless it was sent, becomes superseded). */
  async revise(id: string, dto: ReviseQuoteDto, principal: Principal, requestId: string): Promise<QuoteDto> {
    return toQuoteDto(
      await this.transactions.run(async (tx) => {
        const current = await this.lockInBook(tx, id, principal);
        if (current.status === 'superseded' || (await this.quotes.isSuperseded(tx, id)))
          throw new QuoteSuperseded(
            `Quote ${current.number} revision ${current.revision} has been replaced; revise the latest.`,
          );
        const opportunity = (await this.opportunities.find(current.opportunityId, tx))!;
        if (opportunity.status !== 'open')
          throw new OpportunityClosed(`The opportunity was ${opportunity.status}; it takes no quotes.`);
        if (current.status !== 'sent') {
          await this.quotes.update(tx, id, { status: 'superseded' });
          await this.outbox.record(tx, QuoteEvents.superseded, id, {
            quote: toQuoteDto((await this.quotes.find(id, tx))!),
          });
        }
        return this.make(
          tx,
          { opportunityId: current.opportunityId, lines: dto.lines, notes: dto.notes },
          { number: current.number, revision: current.revision + 1, supersedesId: current.id },
          opportunity,
          principal,
          requestId,
        );
      }),
    );
  }

  async approve(id: string, dto: DecideQuoteDto, ifMatch: number | undefined, principal: Principal, requestId: string) {
    return this.decide(id, 'approved', dto.reason ?? null, ifMatch, principal, requestId);
  }

  async reject(id: string, dto: DecideQuoteDto, ifMatch: number | undefined, principal: Principal, requestId: string) {
    if (!dto.reason) throw new ValidationFailed([{ field: 'reason', message: 'say why the discount is refused' }]);
    return this.decide(id, 'rejected', dto.reason, ifMatch, principal, requestId);
  }

  async send(id: string, ifMatch: number | undefined, principal: Principal, requestId: string): Promise<QuoteDto> {
    return toQuoteDto(
      await this.transactions.run(async (tx) => {
        const current = await this.lockInBook(tx, id, principal);
        if (ifMatch !== undefined && ifMatch !== current.version)
          throw new StaleVersion('Quote', ifMatch, current.version);
        if (current.status !== 'approved')
          throw new QuoteNotApproved(
            current.status === 'sent'
              ? `Quote ${current.number} was already sent; a revision replaces it.`
              : `Quote ${current.number} is ${current.status.replace('_', ' ')}: only an approved quote can be sent.`,
          );
        const row = await this.quotes.update(tx, id, { status: 'sent', sent_at: new Date() });
        await this.audit.record(tx, principal, requestId, { action: 'quote.sent', entityType: 'quote', entityId: id });
        await this.outbox.record(tx, QuoteEvents.sent, id, { quote: toQuoteDto(row) });
        return row;
      }),
    );
  }

  async get(id: string, principal: Principal): Promise<QuoteDto> {
    const row = await this.quotes.find(id);
    if (!row) throw new NotFound('Quote', id);
    await this.access.assertInBook(principal, row.ownerId, 'Quote', id);
    return toQuoteDto(row);
  }

  async list(query: ListQuotesQuery, principal: Principal): Promise<Page<QuoteDto>> {
    const { limit, cursor, ...filters } = query;
    const rows = await this.quotes.list(filters, await this.access.scopeOf(principal), decodeCursor(cursor), limit);
    return toPage(rows, limit, (row) => ({ at: row.cursorAt, id: row.id }), toQuoteDto);
  }

  async discountLimits(): Promise<DiscountLimitsDto> {
    return this.quotes.discountLimits();
  }

  async setDiscountLimits(dto: DiscountLimitsDto, principal: Principal, requestId: string): Promise<DiscountLimitsDto> {
    if (dto.manager < dto.sales)
      throw new ValidationFailed([{ field: 'manager', message: 'a manager’s limit is at least a salesperson’s' }]);
    return this.transactions.run(async (tx) => {
      const before = await this.quotes.discountLimits(tx);
      await this.quotes.setDiscountLimits(tx, dto);
      await this.audit.record(tx, principal, requestId, {
        action: 'discount_limits.updated',
        entityType: 'discount_limits',
        entityId: null,
        before,
        after: dto,
      });
      return { sales: dto.sales, manager: dto.manager };
    });
  }

  private async make(
    tx: Tx,
    dto: { opportunityId: string; lines: QuoteLineInputDto[]; notes?: string },
    lineage: { number: string | null; revision: number; supersedesId: string | null },
    opportunity: { id: string; customerId: string; ownerId: string },
    principal: Principal,
    requestId: string,
  ): Promise<QuoteRow> {
    const productIds = dto.lines.map((line) => line.productId);
    const onList = await this.products.activeIds(tx, productIds);
    const missing = dto.lines.flatMap((line, index) =>
      onList.has(line.productId)
        ? []
        : [{ field: `lines.${index}.productId`, message: 'not a product on the price list' }],
    );
    if (missing.length) throw new Unprocessable('Every line must be a product on the price list.', missing);
    const lines = dto.lines.map((line) => ({ ...line, discountPercent: line.discountPercent ?? 0 }));
    const maxDiscount = Math.max(...lines.map((line) => line.discountPercent));
    const limits = await this.quotes.discountLimits(tx);
    const roles = principal.kind === 'user' ? principal.roles : [];
    const approver = approverNeeded(maxDiscount, discountLimitOf(roles, limits), limits);
    const created = await this.quotes.insert(tx, {
      ...lineage,
      opportunityId: opportunity.id,
      customerId: opportunity.customerId,
      ownerId: opportunity.ownerId,
      status: approver ? 'pending_approval' : 'approved',
      currency: this.config.SALES_CURRENCY,
      maxDiscountPercent: maxDiscount,
      notes: dto.notes ?? null,
      createdBy: principal.id,
      lines,
    });
    await this.audit.record(tx, principal, requestId, {
      action: 'quote.created',
      entityType: 'quote',
      entityId: created.id,
      after: toQuoteDto(created),
    });
    await this.outbox.record(tx, QuoteEvents.created, created.id, { quote: toQuoteDto(created) });
    if (!approver) return created;
    const manager = approver === 'manager' ? ((await this.users.find(created.ownerId))?.managerId ?? null) : null;
    const taskId = await this.tasks.create(tx, {
      kind: 'quote.approval',
      title: `Approve a ${maxDiscount}% discount on quote ${created.number}`,
      detail: `Total ${created.total} ${created.currency}; the maker’s limit is ${discountLimitOf(roles, limits)}%.`,
      assigneeId: manager,
      assigneeRole: manager ? undefined : approver,
      customerId: created.customerId,
      subjectType: 'quote',
      subjectId: created.id,
    });
    const pending = await this.quotes.update(tx, created.id, { approval_task_id: taskId });
    await this.outbox.record(tx, QuoteEvents.approvalRequested, created.id, {
      quote: toQuoteDto(pending),
      approver,
      taskId,
    });
    return pending;
  }

  private async decide(
    id: string,
    outcome: 'approved' | 'rejected',
    reason: string | null,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<QuoteDto> {
    return toQuoteDto(
      await this.transactions.run(async (tx) => {
        const current = await this.lockInBook(tx, id, principal);
        if (ifMatch !== undefined && ifMatch !== current.version)
          throw new StaleVersion('Quote', ifMatch, current.version);
        if (current.status !== 'pending_approval')
          throw new QuoteNotPending(
            `Quote ${current.number} is ${current.status.replace('_', ' ')}, not waiting for approval.`,
          );
        await this.assertMayDecide(tx, current, principal);
        const row = await this.quotes.update(tx, id, {
          status: outcome,
          decided_by: principal.id,
          decision_reason: reason,
          decided_at: new Date(),
        });
        await this.audit.record(tx, principal, requestId, {
          action: `quote.${outcome}`,
          entityType: 'quote',
          entityId: id,
          after: { status: outcome, decisionReason: reason },
        });
        const quote = toQuoteDto(row);
        if (outcome === 'approved') await this.outbox.record(tx, QuoteEvents.approved, id, { quote });
        else await this.outbox.record(tx, QuoteEvents.rejected, id, { quote, reason: reason ?? '' });
        return row;
      }),
    );
  }

  /** An administrator decides any; a manager a quote of their team within the manager limit, never their own. */
  private async assertMayDecide(tx: Tx, quote: QuoteRow, principal: Principal): Promise<void> {
    if (hasRole(principal, 'admin')) return;
    const limits = await this.quotes.discountLimits(tx);
    if (
      principal.kind === 'user' &&
      principal.roles.includes('manager') &&
      quote.ownerId !== principal.id &&
      Number(quote.maxDiscountPercent) <= limits.manager &&
      (await this.users.isManagedBy(quote.ownerId, principal.id))
    )
      return;
    throw new Forbidden(
      'A discount is approved by the salesperson’s manager within the manager limit, otherwise by an administrator.',
    );
  }

  private async lockInBook(tx: Tx, id: string, principal: Principal): Promise<QuoteRow> {
    const row = await this.quotes.lock(tx, id);
    if (!row) throw new NotFound('Quote', id);
    await this.access.assertInBook(principal, row.ownerId, 'Quote', id);
    return row;
  }
}
