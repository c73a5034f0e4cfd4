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
