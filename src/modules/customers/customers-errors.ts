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

/**
 * What a failure of the multipart parser means for the client. A body that says multipart but is not
 * (no closing boundary, a broken part header) makes the parser throw a bare Error: the upload is
 * unreadable (422), not a server fault. The parser's own errors with a 4xx status (limits) pass through.
 */
export function unreadableUpload(error: unknown): Error {
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return error as Error;
  const reason = error instanceof Error ? error.message : String(error);
  return new UnreadableImportFile(`The multipart body could not be read: ${reason}.`);
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

/** Erasure is refused while a legal hold is open (litigation, an authority's request): an administrator releases it first. */
export class CustomerUnderLegalHold extends DomainError {
  constructor(customerId: string, since: Date) {
    super(
      'customer-under-legal-hold',
      `Customer ${customerId} is under a legal hold since ${since.toISOString()}: its data cannot be erased until an administrator releases the hold (DELETE /customers/${customerId}/legal-hold). Nothing was changed.`,
    );
  }
}

/** The customer's personal data was erased: the id stays known (purchases still point at it), the person does not. */
export class CustomerErased extends DomainError {
  constructor(customerId: string, erasedAt: Date) {
    super('customer-erased', `Customer ${customerId}'s personal data was erased on ${erasedAt.toISOString()}.`);
  }
}

/** The upload's items (parts, or a part's bytes), a parser failure on the way turned into `unreadableUpload`. */
export async function* readUpload<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const items = source[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<T>;
    try {
      next = await items.next();
    } catch (error) {
      throw unreadableUpload(error);
    }
    if (next.done) return;
    yield next.value;
  }
}
