import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService, auditRowsInsertSql } from '../../../common/audit/audit.service.js';
import { TransactionRunner, type Tx } from '../../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql, OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { PROFILE_COLUMNS, SENSITIVE_FIELDS } from '../customer-fields.js';
import { toCustomerDto } from '../customer.presenter.js';
import { CUSTOMER_SELECT, type CustomerRow, CustomersRepository } from '../customers.repository.js';
import { CustomersEvents } from '../customers.events.js';
import { zodiacOf } from '../zodiac.js';
import { type BatchCounts, CustomerImportsRepository, type ImportRow } from './customer-imports.repository.js';
import { type ImportCandidate, isRejected, type RejectedRow } from './import-row.js';

/** Another run of the same import committed this batch first (a stalled job taken over): this run stops. */
export class ImportMovedOn extends Error {
  constructor(importId: string) {
    super(`import ${importId} was advanced by another run`);
  }
}

/** An existing customer a row may match, by its keys. */
interface MatchRow {
  id: string;
  code: string;
  mobile: string | null;
  phone: string | null;
  email: string | null;
}

const INSERT_COLUMNS = [
  'id',
  ...Object.values(PROFILE_COLUMNS).filter((column) => column !== 'registered_on'),
  'zodiac',
  'custom_fields',
];

/**
 * Writes one batch of an import's rows as the customers module writes customers: created in one
 * set-based statement (with `customer.created` events in the bulk lane and an audit row each),
 * matched rows updated one by one (with `customer.updated`) or skipped, rejected rows kept with their
 * reasons — and the import's progress, in the same transaction. A batch is all or nothing, so a run
 * that dies mid-batch leaves no customer of that batch behind, and the next run starts where the last
 * committed batch ended: no row is ever applied twice.
 */
@Injectable()
export class CustomerImportWriter {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly imports: CustomerImportsRepository,
    private readonly customers: CustomersRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  async applyBatch(
    importId: string,
    expectedDone: number,
    recordsDone: number,
    bytesRead: number,
    rows: (ImportCandidate | RejectedRow)[],
  ): Promise<BatchCounts> {
    return this.transactions.run(async (tx) => {
      const current = await this.imports.lock(tx, importId);
      if (!current || current.recordsDone !== expectedDone || current.status !== 'running')
        throw new ImportMovedOn(importId);
      const rejected = rows.filter(isRejected);
      const candidates = rows.filter((row): row is ImportCandidate => !isRejected(row));
      if (current.options.dryRun) await tx.query('SAVEPOINT dry_run');
      const counts = await this.write(tx, current, candidates);
      if (current.options.dryRun) await tx.query('ROLLBACK TO SAVEPOINT dry_run');
      await this.imports.insertRejections(tx, importId, rejected);
      const all = { ...counts, rejected: rejected.length };
      await this.imports.advance(tx, importId, recordsDone, bytesRead, all);
      return all;
    });
  }

  private async write(
    tx: Tx,
    current: ImportRow,
    candidates: ImportCandidate[],
  ): Promise<Omit<BatchCounts, 'rejected'>> {
    const counts = { created: 0, updated: 0, skipped: 0 };
    const existing = await this.matches(tx, candidates);
    // Keys of customers created earlier in this batch: a later row with the same phone, e-mail or number is that customer.
    const createdKeys = new Map<string, string>();
    let pending: { id: string; row: ImportCandidate }[] = [];
    const flush = async () => {
      if (pending.length) await this.insert(tx, current, pending);
      pending = [];
    };
    for (const row of candidates) {
      const keys = keysOf(row);
      const matchedId = matchIn(existing, keys) ?? keys.map((key) => createdKeys.get(key)).find(Boolean);
      if (!matchedId) {
        const id = randomUUID();
        pending.push({ id, row });
        for (const key of keys) createdKeys.set(key, id);
        counts.created += 1;
      } else if (current.options.onMatch === 'skip') {
        counts.skipped += 1;
      } else {
        await flush();
        await this.update(tx, current, matchedId, row);
        counts.updated += 1;
      }
    }
    await flush();
    return counts;
  }

  /** Existing customers sharing a customer number, phone or e-mail with a row of the batch: one indexed query. */
  private async matches(tx: Tx, rows: ImportCandidate[]): Promise<Map<string, string>> {
    const phones = new Set<string>();
    const emails = new Set<string>();
    const codes = new Set<string>();
    for (const row of rows) {
      for (const field of ['mobile', 'phone'] as const) {
        const phone = textOf(row, field);
        if (phone) phones.add(phone);
      }
      const email = textOf(row, 'email');
      if (email) emails.add(email);
      if (row.code) codes.add(row.code);
    }
    // One index probe per key (LIMIT 1 keeps each probe a nested loop: one customer per key is all the
    // matching needs). Written as `mobile = ANY($1) OR … OR lower(email) = ANY($2)`, the planner took a
    // thousand-key batch to match much of the table and scanned all of it, hashing each row against the
    // keys: 0.8 s a batch at 350,000 customers, so an import slowed as it grew (quadratic in all).
    const probe = (keys: string, condition: string) =>
      `SELECT m.* FROM unnest(${keys}::text[]) AS k(v), LATERAL (
         SELECT id, code, mobile, phone, lower(email) AS email FROM customers WHERE deleted_at IS NULL AND ${condition} LIMIT 1) m`;
    const found: MatchRow[] = await tx.query(
      [
        probe('$1', 'mobile = k.v'),
        probe('$1', 'phone = k.v'),
        probe('$2', 'lower(email) = k.v'),
        probe('$3', 'code = k.v'),
      ].join(' UNION ALL '),
      [[...phones], [...emails], [...codes]],
    );
    const byKey = new Map<string, string>();
    // The customer number wins over a phone, a phone over an e-mail (set in reverse, so the stronger key overwrites).
    for (const customer of found) if (customer.email) byKey.set(`email:${customer.email}`, customer.id);
    for (const customer of found)
      for (const phone of [customer.phone, customer.mobile]) if (phone) byKey.set(`phone:${phone}`, customer.id);
    for (const customer of found) byKey.set(`code:${customer.code}`, customer.id);
    return byKey;
  }

  private async insert(tx: Tx, current: ImportRow, rows: { id: string; row: ImportCandidate }[]): Promise<void> {
    const records = rows.map(({ id, row }) => {
      const record: Record<string, unknown> = { id, owner_id: current.options.ownerId };
      for (const [field, column] of Object.entries(PROFILE_COLUMNS)) {
        const value = row.customer[field];
        if (value !== undefined) record[column] = value;
      }
      if (typeof row.customer.birthDate === 'string') record.zodiac = zodiacOf(row.customer.birthDate);
      record.custom_fields = row.customFields;
      return record;
    });
    const created: CustomerRow[] = await tx.query(
      `WITH input AS (SELECT * FROM jsonb_populate_recordset(NULL::customers, $1::jsonb))
       INSERT INTO customers (${INSERT_COLUMNS.join(', ')}, registered_on)
       SELECT ${INSERT_COLUMNS.join(', ')}, coalesce(registered_on, current_date) FROM input
       RETURNING ${CUSTOMER_SELECT}`,
      [JSON.stringify(records)],
    );
    const lineOf = new Map(rows.map(({ id, row }) => [id, row.line]));
    const announced = created.map((row) => withoutSensitive(toCustomerDto(row)));
    await tx.query(
      `WITH created AS (SELECT value AS customer FROM jsonb_array_elements($1::jsonb)),
       events AS (${outboxInsertSql(CustomersEvents.customerCreated, {
         from: 'created',
         aggregateId: `customer->>'id'`,
         payload: { customer: 'customer' },
         lane: 'bulk',
       })})
       ${auditRowsInsertSql({
         from: 'created',
         actorType: '$2',
         actorId: '$3',
         action: `'customer.imported'`,
         entityType: `'customer'`,
         entityId: `customer->>'id'`,
         // Who imported it from which line of which file; the values are the customer's, not the log's.
         after: `jsonb_build_object('importId', $4::text, 'line', ($5::jsonb)->(customer->>'id'))`,
         requestId: '$4',
       })}`,
      [
        JSON.stringify(announced),
        current.actorType,
        current.actorId,
        current.id,
        JSON.stringify(Object.fromEntries(lineOf)),
      ],
    );
  }

  private async update(tx: Tx, current: ImportRow, customerId: string, row: ImportCandidate): Promise<void> {
    const before = await this.customers.lockById(tx, customerId);
    if (!before) return;
    const columns: Record<string, unknown> = {};
    const fields: string[] = [];
    for (const [field, column] of Object.entries(PROFILE_COLUMNS)) {
      const value = row.customer[field];
      if (value === undefined || field === 'kind') continue;
      if (JSON.stringify(value) === JSON.stringify((before as unknown as Record<string, unknown>)[field])) continue;
      columns[column] = value;
      fields.push(field);
    }
    if (typeof columns.birth_date === 'string') columns.zodiac = zodiacOf(columns.birth_date);
    if (Object.keys(row.customFields).length) {
      columns.custom_fields = JSON.stringify({ ...before.customFields, ...row.customFields });
      fields.push('customFields');
    }
    if (!fields.length) return;
    const after = toCustomerDto(await this.customers.update(tx, customerId, columns));
    await this.audit.record(tx, { actorType: current.actorType, actorId: current.actorId }, current.id, {
      action: 'customer.updated',
      entityType: 'customer',
      entityId: customerId,
      fields,
      after: { importId: current.id, line: row.line },
    });
    const changedFields = fields.filter((field) => !(SENSITIVE_FIELDS as readonly string[]).includes(field));
    await this.outbox.record(tx, CustomersEvents.customerUpdated, customerId, {
      customer: withoutSensitive(after),
      changedFields,
    });
  }
}

/** A row's match keys: its customer number, phones and e-mail. */
function keysOf(row: ImportCandidate): string[] {
  const keys: string[] = [];
  if (row.code) keys.push(`code:${row.code}`);
  for (const field of ['mobile', 'phone'] as const) {
    const phone = textOf(row, field);
    if (phone) keys.push(`phone:${phone}`);
  }
  const email = textOf(row, 'email');
  if (email) keys.push(`email:${email}`);
  return keys;
}

function textOf(row: ImportCandidate, field: string): string | undefined {
  const value = row.customer[field];
  return typeof value === 'string' && value ? value : undefined;
}

function matchIn(existing: Map<string, string>, keys: string[]): string | undefined {
  for (const key of keys) {
    const id = existing.get(key);
    if (id) return id;
  }
  return undefined;
}

function withoutSensitive<T extends object>(customer: T): Partial<T> {
  const copy: Record<string, unknown> = { ...(customer as Record<string, unknown>) };
  for (const field of SENSITIVE_FIELDS) delete copy[field];
  return copy as Partial<T>;
}
