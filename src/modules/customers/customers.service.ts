import { Injectable } from '@nestjs/common';
import { hasScope, type Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import {
  Forbidden,
  NotFound,
  StaleVersion,
  Unprocessable,
  ValidationFailed,
  FieldError,
} from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { UsersService } from '../identity/users.service.js';
import { classifySearch, type ContactPair, normaliseEmail, normalisePhone } from './contact-normalisation.js';
import { CustomFieldsService } from './custom-fields.service.js';
import { CustomerAccess } from './customer-access.js';
import { PROFILE_COLUMNS, ProfileField, SENSITIVE_FIELDS } from './customer-fields.js';
import { toCustomerDto } from './customer.presenter.js';
import { SegmentsService } from '../segments/segments.service.js';
import { CustomerRow, CustomersRepository } from './customers.repository.js';
import { CreateCustomerDto, CustomerDto, ListCustomersQuery, UpdateCustomerDto } from './dto/customer.dto.js';
import { zodiacOf } from './zodiac.js';
import { CustomerErased, CustomerMergedInto } from './customers-errors.js';
import { PersonalDataRepository } from './personal-data/personal-data.repository.js';
import { CustomerMergesRepository } from './merge/customer-merges.repository.js';
import { CustomersEvents } from './customers.events.js';

// Fields a customer always has: null may not clear them.
const NOT_NULL: ProfileField[] = ['kind', 'name', 'registeredOn'];

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly customFields: CustomFieldsService,
    private readonly access: CustomerAccess,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly segments: SegmentsService,
    private readonly merges: CustomerMergesRepository,
    private readonly personalData: PersonalDataRepository,
  ) {}

  async create(dto: CreateCustomerDto, principal: Principal, requestId?: string): Promise<CustomerDto> {
    rejectNulls(dto, NOT_NULL);
    const ownerId =
      dto.ownerId ?? (principal.kind === 'user' && principal.roles.includes('sales') ? principal.id : undefined);
    if (ownerId) await this.assertOwnerAssignable(principal, ownerId);
    this.assertSensitiveWritable(principal, dto);
    const columns = this.toColumns({ ...dto, ownerId });

    const created = await this.transactions.run((tx) => this.insertCustomer(tx, dto, columns, principal, requestId));
    return this.present(principal, created, requestId);
  }

  /**
   * Creates the customer inside the caller's transaction (a lead's conversion creates the customer and
   * its opportunity together): the same rules, audit row and `customer.created` event as `create`. Returns
   * the customer without presenting it (the caller answers with its own shape).
   */
  async createIn(tx: Tx, dto: CreateCustomerDto, principal: Principal, requestId?: string): Promise<CustomerDto> {
    rejectNulls(dto, NOT_NULL);
    if (dto.ownerId) await this.assertOwnerAssignable(principal, dto.ownerId);
    this.assertSensitiveWritable(principal, dto);
    return this.insertCustomer(tx, dto, this.toColumns(dto), principal, requestId);
  }

  private async insertCustomer(
    tx: Tx,
    dto: CreateCustomerDto,
    columns: Record<string, unknown>,
    principal: Principal,
    requestId: string | undefined,
  ): Promise<CustomerDto> {
    await this.customFields.assertValid(tx, dto.customFields ?? {}, true);
    const row = await this.customers.insert(tx, columns);
    const customer = toCustomerDto(row);
    await this.audit.record(tx, principal, requestId, {
      action: 'customer.created',
      entityType: 'customer',
      entityId: row.id,
      after: customer,
      fields: Object.keys(dto),
    });
    await this.outbox.record(tx, CustomersEvents.customerCreated, row.id, { customer: withoutSensitive(customer) });
    return customer;
  }

  /**
   * For each contact (already normalised), the ids of the customers whose phone, mobile or e-mail is
   * its phone or e-mail, oldest first, at most `limit` each — one statement for them all.
   */
  async withContacts(contacts: readonly ContactPair[], limit = 5): Promise<string[][]> {
    if (!contacts.some((contact) => contact.phone || contact.email)) return contacts.map(() => []);
    return this.customers.withContacts(contacts, limit);
  }

  /**
   * One slice of a hand-over (the sales module's `POST /admin/reassign`): moves up to `limit` of a
   * salesperson's customers to another inside the caller's transaction — owner, version, event and
   * audit row per customer, in one statement. Returns the ids moved (none: the book is empty).
   */
  handOverSlice(
    tx: Tx,
    slice: {
      fromUserId: string;
      toUserId: string;
      limit: number;
      reassignmentId: string;
      actorId: string | null;
      requestId: string | null;
    },
  ): Promise<string[]> {
    return this.customers.handOverSlice(tx, slice);
  }

  /**
   * A hand-over that spreads the book: up to `limit` of the departing salesperson's customers, locked
   * until the caller's transaction ends, with the region and industry the assignment rules match on.
   */
  handOverCandidates(
    tx: Tx,
    fromUserId: string,
    limit: number,
  ): Promise<{ id: string; region: string | null; industry: string | null }[]> {
    return this.customers.bookSlice(tx, fromUserId, limit);
  }

  /** Moves each of these customers to its own new owner (as `handOverSlice`, one statement); returns those moved. */
  handOverEach(
    tx: Tx,
    moves: readonly { id: string; toUserId: string }[],
    slice: { fromUserId: string; reassignmentId: string; actorId: string | null; requestId: string | null },
  ): Promise<{ id: string; toUserId: string }[]> {
    return this.customers.handOverEach(tx, moves, slice);
  }

  /** Owner, region and industry of each of these customers that exists (a record following its customer). */
  owners(
    ids: string[],
  ): Promise<Map<string, { ownerId: string | null; region: string | null; industry: string | null }>> {
    return this.customers.owners(ids);
  }

  /** The contact normalisers of customers, so that other modules store phones and e-mails as customers do. */
  normalisePhone(input: string): string | null {
    return normalisePhone(input, this.config.DEFAULT_PHONE_REGION);
  }

  normaliseEmail(input: string): string {
    return normaliseEmail(input);
  }

  /** The customer a merged-away customer's records went to (followed to the end of a chain); null when it was not merged away. */
  survivorOf(id: string): Promise<string | null> {
    return this.merges.survivorOf(id);
  }

  async get(id: string, principal: Principal, requestId?: string): Promise<CustomerDto> {
    const row = await this.customers.findById(id);
    if (!row) {
      // A merged customer's id keeps working: it points at the customer it was merged into.
      const survivorId = await this.merges.survivorOf(id);
      if (survivorId) throw new CustomerMergedInto(id, survivorId, `/api/v1/customers/${survivorId}`);
      const erasure = await this.personalData.erasureOf(id);
      if (erasure) throw new CustomerErased(id, erasure.erasedAt);
      throw new NotFound('Customer', id);
    }
    return this.present(principal, toCustomerDto(row), requestId);
  }

  async list(query: ListCustomersQuery, principal: Principal, requestId?: string): Promise<Page<CustomerDto>> {
    const { limit, cursor, q, segmentId, ...filters } = query;
    // A segment's filter comes from its owner, the segments module; it is compiled into this query.
    const segment = segmentId === undefined ? undefined : await this.segments.filterOf(segmentId);
    const search = q === undefined ? null : classifySearch(q, this.config.DEFAULT_PHONE_REGION);
    const rows = await this.customers.list({ ...filters, segment }, search, decodeCursor(cursor), limit);
    const page = toPage(rows, limit, (row) => ({ at: row.cursorAt, id: row.id }), toCustomerDto);
    const shown = page.data.map((customer) => this.access.present(principal, customer));
    const revealed = shown.filter((entry) => entry.revealed.length);
    if (revealed.length) {
      await this.audit.record(
        this.transactions.manager,
        principal,
        requestId,
        ...revealed.map(({ customer, revealed: fields }) => ({
          action: 'customer.sensitive_read',
          entityType: 'customer',
          entityId: customer.id,
          fields,
        })),
      );
    }
    return { data: shown.map((entry) => entry.customer), nextCursor: page.nextCursor };
  }

  async update(
    id: string,
    dto: UpdateCustomerDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId?: string,
  ): Promise<CustomerDto> {
    const { version, ...changes } = dto;
    const expected = ifMatch ?? version;
    rejectNulls(changes, NOT_NULL);
    this.assertSensitiveWritable(principal, changes);

    const updated = await this.transactions.run(async (tx) => {
      const current = await this.customers.lockById(tx, id);
      if (!current) throw new NotFound('Customer', id);
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('Customer', expected, current.version);
      // A salesperson may take a customer nobody owns (and change it in the same request): it becomes theirs.
      const takingUnowned = current.ownerId === null && changes.ownerId === principal.id;
      if (!takingUnowned) await this.access.assertMayChange(principal, current.ownerId);
      if (changes.ownerId !== undefined && changes.ownerId !== current.ownerId) {
        if (changes.ownerId === null)
          throw new Forbidden('A customer always keeps an owner once assigned; reassign instead.');
        await this.assertOwnerAssignable(principal, changes.ownerId);
      }
      if (changes.customFields) await this.customFields.assertValid(tx, changes.customFields, false);

      const columns = this.toColumns(changes, current);
      const changedFields = Object.keys(changes).filter(
        (field) => field !== 'customFields' || Object.keys(changes.customFields ?? {}).length,
      );
      if (!Object.keys(columns).length) return toCustomerDto(current);
      const row = toCustomerDto(await this.customers.update(tx, id, columns));
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.updated',
        entityType: 'customer',
        entityId: id,
        before: pick(toCustomerDto(current), changedFields),
        after: pick(row, changedFields),
        fields: changedFields,
      });
      await this.outbox.record(tx, CustomersEvents.customerUpdated, id, {
        customer: withoutSensitive(row),
        changedFields: changedFields.filter((field) => !(SENSITIVE_FIELDS as readonly string[]).includes(field)),
      });
      return row;
    });
    // A key that may write but not read learns nothing it did not send (an empty PATCH used to read the record).
    // (Sensitive fields it sent stay hidden unless it may see them, as before.)
    if (
      principal.kind === 'api_key' &&
      !hasScope(principal, 'customers:read') &&
      !hasScope(principal, 'customers:sensitive')
    ) {
      const { customer } = this.access.present(principal, updated);
      return pick(customer, ['id', 'version', 'updatedAt', ...Object.keys(changes)]) as unknown as CustomerDto;
    }
    return this.present(principal, updated, requestId);
  }

  async remove(id: string, principal: Principal, requestId?: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const current = await this.customers.lockById(tx, id);
      if (!current) throw new NotFound('Customer', id);
      await this.access.assertMayChange(principal, current.ownerId);
      await this.customers.softDelete(tx, id);
      await this.audit.record(tx, principal, requestId, {
        action: 'customer.deleted',
        entityType: 'customer',
        entityId: id,
        before: toCustomerDto(current),
      });
      await this.outbox.record(tx, CustomersEvents.customerDeleted, id, { customerId: id, code: current.code });
    });
  }

  /** The customer's owner, or NotFound: used by the records service before writing against a customer. */
  async ownerOf(customerId: string): Promise<string | null> {
    const customer = await this.customers.exists(customerId);
    if (!customer) throw new NotFound('Customer', customerId);
    return customer.ownerId;
  }

  /** NotFound, or Forbidden unless the caller may change this customer's records (owner, their manager, admin, keys). */
  async assertMayChangeCustomer(customerId: string, principal: Principal): Promise<void> {
    await this.access.assertMayChange(principal, await this.ownerOf(customerId));
  }

  /** Forbidden unless the caller may see lists of this owner's customers. */
  assertMayReadCustomersOf(ownerId: string, principal: Principal): Promise<void> {
    return this.access.assertMayReadBookOf(principal, ownerId);
  }

  /** Each of these customers' tier (null before the first recalculation); customers that do not exist are absent. */
  tiersOf(customerIds: string[]): Promise<Map<string, string | null>> {
    return this.customers.tiers(customerIds);
  }

  /** Each of these customers' tier, region and owner; customers that do not exist (or were deleted) are absent. */
  intakeFactsOf(
    customerIds: string[],
  ): Promise<Map<string, { tier: string | null; region: string | null; ownerId: string | null }>> {
    return this.customers.intakeFacts(customerIds);
  }

  private async assertOwnerAssignable(principal: Principal, ownerId: string): Promise<void> {
    if (!(await this.users.exists(ownerId)))
      throw new Unprocessable('The owner does not exist.', [{ field: 'ownerId', message: 'no user has this id' }]);
    await this.access.assertMayAssignOwner(principal, ownerId);
  }

  private assertSensitiveWritable(principal: Principal, dto: object): void {
    const touched = SENSITIVE_FIELDS.filter((field) => (dto as Record<string, unknown>)[field] !== undefined);
    if (touched.length && !this.access.mayWriteSensitive(principal)) {
      throw new Forbidden(`You may not set the sensitive fields ${touched.join(', ')}.`);
    }
  }

  /** DTO fields to columns: contact details normalised, the zodiac derived, custom fields merged. */
  private toColumns(dto: Partial<CreateCustomerDto>, current?: CustomerRow): Record<string, unknown> {
    const columns: Record<string, unknown> = {};
    const errors: FieldError[] = [];
    for (const [field, column] of Object.entries(PROFILE_COLUMNS) as [ProfileField, string][]) {
      const value = (dto as Record<string, unknown>)[field];
      if (value === undefined) continue;
      if ((field === 'phone' || field === 'mobile' || field === 'fax') && typeof value === 'string') {
        const phone = normalisePhone(value, this.config.DEFAULT_PHONE_REGION);
        if (!phone) errors.push({ field, message: `${field} is not a valid phone number` });
        columns[column] = phone;
      } else if (field === 'email' && typeof value === 'string') {
        columns[column] = normaliseEmail(value);
      } else {
        columns[column] = value;
      }
    }
    if (errors.length) throw new ValidationFailed(errors);
    if (dto.birthDate !== undefined) columns.zodiac = dto.birthDate === null ? null : zodiacOf(dto.birthDate);
    if (dto.lifeJourney !== undefined)
      columns.life_journey = JSON.stringify({ ...(current?.lifeJourney ?? {}), ...(dto.lifeJourney ?? {}) });
    if (dto.customFields !== undefined) {
      const merged = { ...(current?.customFields ?? {}), ...dto.customFields };
      for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
      columns.custom_fields = JSON.stringify(merged);
    }
    return columns;
  }

  /** Hides what the caller may not see and audits what sensitive data it did see. */
  private async present(principal: Principal, customer: CustomerDto, requestId?: string): Promise<CustomerDto> {
    const shown = this.access.present(principal, customer);
    if (shown.revealed.length) {
      await this.audit.record(this.transactions.manager, principal, requestId, {
        action: 'customer.sensitive_read',
        entityType: 'customer',
        entityId: customer.id,
        fields: shown.revealed,
      });
    }
    return shown.customer;
  }
}

function withoutSensitive(customer: CustomerDto): Partial<CustomerDto> {
  const copy: Partial<CustomerDto> = { ...customer };
  for (const field of SENSITIVE_FIELDS) delete copy[field];
  return copy;
}

function pick(customer: CustomerDto, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, (customer as unknown as Record<string, unknown>)[field]]));
}
