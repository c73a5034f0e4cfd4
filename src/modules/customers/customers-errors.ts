import { DomainError, type FieldError } from '../../common/errors/domain-errors.js';

export class ImportFileTooLarge extends DomainError {
  constructor(limitBytes: number) {
    super(
      'import-file-too-large',
      `An import file may be at most ${limitBytes / 1024 / 1024} MiB; nothing was imported.`,
    );
  }
}

export class ImportNotMultipart extends DomainError {
  constructor() {
    super('import-not-multipart', 'Send the file as multipart/form-data with a part named "file".');
  }
}

export class UnreadableImportFile extends DomainError {
  constructor(detail: string, errors?: FieldError[]) {
    super('unreadable-import-file', detail, errors);
  }
}

export class PurchaseAlreadyRefunded extends DomainError {
  constructor(purchaseId: string) {
    super('already-refunded', `Purchase ${purchaseId} was already refunded.`);
  }
}

/** The customer was merged into another: its id resolves there (308 with Location). */
export class CustomerMergedInto extends DomainError {
  constructor(customerId: string, survivorId: string, path: string) {
    super('customer-merged', `Customer ${customerId} was merged into customer ${survivorId}.`, undefined, {
      location: path,
    });
  }
}

export class MergeNotUndoable extends DomainError {
  constructor(detail: string) {
    super('merge-not-undoable', detail);
  }
}
