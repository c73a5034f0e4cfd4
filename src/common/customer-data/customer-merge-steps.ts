import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { ERASED_TEXT, type PersonalDataSearch } from './personal-data-redaction.js';

/** The two customers of a merge: everything of the duplicate goes to the survivor. */
export interface CustomerMergePair {
  mergeId: string;
  survivorId: string;
  duplicateId: string;
}

/**
 * What one module moved: counts per table for the merge log and the caller, and whatever the
 * module needs to move it back on an undo (its own row ids, balances), kept in the merge log as JSON.
 */
export interface MovedRows {
  counts: Record<string, number>;
  undo: unknown;
}

/**
 * A customer being erased: `customerIds` is the customer and every duplicate merged into it (the same
 * person under ids partners may still hold).
 */
export interface CustomerErasure {
  customerId: string;
  customerIds: string[];
}

/**
 * What one module erased: counts per table for the erasure record, and the personal text it removed
 * (names, contacts, free text), so that copies of it elsewhere (outbox payloads, audit rows, webhook
 * events) can be found and scrubbed. The values are used in the erasure's transaction and never stored.
 */
export interface ErasedRows {
  counts: Record<string, number>;
  values: string[];
}

export { ERASED_TEXT };

/**
 * One module's part of a customer merge. The module that owns customer-linked rows moves them itself,
 * inside the merge's transaction, so a merge never writes another module's tables and is all or
 * nothing: a step that throws rolls the whole merge back.
 */
export interface CustomerMergeStep {
  /** The module that owns the rows (`loyalty`, `sales`, …): the key of its part in the merge log. */
  readonly module: string;
  moveToSurvivor(tx: Tx, pair: CustomerMergePair): Promise<MovedRows>;
  /** Moves back what `moveToSurvivor` moved (an undo); throws a domain error when it no longer can. */
  moveBack(tx: Tx, pair: CustomerMergePair, undo: unknown): Promise<void>;
  /**
   * Everything this module holds about the customer, table by table, as stored (a personal-data export,
   * PIPL art. 45 / GDPR art. 15 and 20). Runs inside the export's transaction, so all modules answer
   * from one snapshot.
   */
  exportRows(tx: Tx, customerId: string): Promise<Record<string, unknown[]>>;
  /**
   * Anonymises the personal data this module holds about the customer (PIPL art. 47, GDPR art. 17),
   * inside the erasure's transaction: free text and contacts go, what the books or the reports need
   * (amounts, points, dates, states) stays, linked to the anonymised customer.
   */
  erase(tx: Tx, erasure: CustomerErasure): Promise<ErasedRows>;
}

/**
 * A module (or the platform) that holds copies of customer data without customer-linked rows of its
 * own — webhook events, the outbox, the audit log: it scrubs the copies `search` finds, in the erasure's
 * transaction, and answers how many rows per table it changed.
 */
export interface CustomerDataCopies {
  readonly holder: string;
  scrub(tx: Tx, erasure: CustomerErasure, search: PersonalDataSearch): Promise<Record<string, number>>;
}

/**
 * The merge steps of every module loaded in this process. Each module registers its step when it
 * starts (`onModuleInit`); the customers module runs them. Lives in common/ because it is the one
 * place where modules that the customers module must not depend on (loyalty, sales, …) plug in.
 */
@Injectable()
export class CustomerMergeSteps {
  private readonly steps = new Map<string, CustomerMergeStep>();

  register(step: CustomerMergeStep): void {
    if (this.steps.has(step.module)) throw new Error(`the ${step.module} module registered two merge steps`);
    this.steps.set(step.module, step);
  }

  all(): CustomerMergeStep[] {
    return [...this.steps.values()];
  }

  get(module: string): CustomerMergeStep | undefined {
    return this.steps.get(module);
  }

  private readonly copies = new Map<string, CustomerDataCopies>();

  registerCopies(copies: CustomerDataCopies): void {
    if (this.copies.has(copies.holder)) throw new Error(`${copies.holder} registered its customer data copies twice`);
    this.copies.set(copies.holder, copies);
  }

  copiesOf(holder: string): CustomerDataCopies | undefined {
    return this.copies.get(holder);
  }
}

/** The rows of an UPDATE or DELETE … RETURNING: TypeORM's Postgres driver answers `[rows, count]` for those. */
export function updatedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/**
 * The tail of an erasing statement: `WITH old AS (SELECT id, ARRAY[<text columns>] AS texts FROM <table>
 * WHERE <the customer's rows> FOR UPDATE), done AS (UPDATE <table> … FROM old WHERE …)` then this, which
 * reads `old` (the rows as they were before the update) for how many rows changed and the text they held.
 */
export const ERASED_TEXTS_SELECT = `SELECT (SELECT count(*)::int FROM old) AS rows,
  COALESCE((SELECT array_agg(DISTINCT v) FROM old, unnest(old.texts) AS v WHERE v IS NOT NULL AND v <> ''), '{}') AS values`;

/** Runs an erasing statement ending in ERASED_TEXTS_SELECT: how many rows it changed, and the text they held. */
export async function eraseTexts(tx: Tx, sql: string, params: unknown[]): Promise<{ rows: number; values: string[] }> {
  const [result] = await tx.query(sql, params);
  return { rows: result.rows, values: result.values };
}

/** Several tables' erasures as one module's answer. */
export function erasedRows(tables: Record<string, { rows: number; values: string[] }>): ErasedRows {
  return {
    counts: Object.fromEntries(Object.entries(tables).map(([table, erased]) => [table, erased.rows])),
    values: Object.values(tables).flatMap((erased) => erased.values),
  };
}
