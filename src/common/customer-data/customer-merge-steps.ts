import { Global, Injectable, Module } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

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
}

@Global()
@Module({ providers: [CustomerMergeSteps], exports: [CustomerMergeSteps] })
export class CustomerDataModule {}

/** The rows of an UPDATE or DELETE … RETURNING: TypeORM's Postgres driver answers `[rows, count]` for those. */
export function updatedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}
