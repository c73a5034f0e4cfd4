import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, NotFound, StaleVersion, ValidationFailed } from '../../common/errors/domain-errors.js';
import { decodeKeyCursor, type Page, type PageQuery, toKeyPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner, Tx } from '../../infrastructure/database/transaction-runner.js';
import { validateCustomFieldValues } from './custom-field-values.js';
import { CustomFieldRow, CustomFieldsRepository } from './custom-fields.repository.js';
import { CreateCustomFieldDto, UpdateCustomFieldDto } from './dto/custom-field.dto.js';

/** Administrator-defined typed fields on customers (R-C10). Fields are deactivated, never deleted, so old values keep their meaning. */
@Injectable()
export class CustomFieldsService {
  constructor(
    private readonly fields: CustomFieldsRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** Every definition (the import reads custom field values against them). */
  definitions(): Promise<CustomFieldRow[]> {
    return this.fields.list();
  }

  async list(query: PageQuery): Promise<Page<CustomFieldRow>> {
    const [afterKey] = decodeKeyCursor(query.cursor, [/^[a-z][a-zA-Z0-9]{0,49}$/]) ?? [];
    const rows = await this.fields.page(afterKey ?? null, query.limit);
    return toKeyPage(
      rows,
      query.limit,
      (row) => [row.key],
      (row) => row,
    );
  }

  async create(dto: CreateCustomFieldDto, by: Principal, requestId?: string): Promise<CustomFieldRow> {
    if (dto.type === 'enum' && !dto.options?.length)
      throw new ValidationFailed([{ field: 'options', message: 'an enum field needs options' }]);
    return this.transactions.run(async (tx) => {
      const created = await this.fields.insert(tx, {
        key: dto.key,
        label: dto.label,
        type: dto.type,
        options: dto.type === 'enum' ? [...new Set(dto.options)] : [],
        required: dto.required ?? false,
        maxLength: dto.type === 'text' ? (dto.maxLength ?? null) : null,
      });
      if (!created) throw new Conflict(`A custom field with the key ${dto.key} already exists.`);
      await this.audit.record(tx, by, requestId, {
        action: 'custom_field.created',
        entityType: 'custom_field',
        entityId: created.id,
        after: created,
      });
      return created;
    });
  }

  async update(
    id: string,
    dto: UpdateCustomFieldDto,
    ifMatch: number | undefined,
    by: Principal,
    requestId?: string,
  ): Promise<CustomFieldRow> {
    rejectNulls(dto, ['label', 'options', 'required', 'active']);
    const expected = ifMatch ?? dto.version;
    return this.transactions.run(async (tx) => {
      const current = await this.fields.lock(tx, id);
      if (!current) throw new NotFound('Custom field', id);
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('Custom field', expected, current.version);
      if (dto.options && current.type !== 'enum')
        throw new ValidationFailed([{ field: 'options', message: 'only enum fields have options' }]);
      const next: CustomFieldRow = {
        ...current,
        label: dto.label ?? current.label,
        options: dto.options ? [...new Set(dto.options)] : current.options,
        required: dto.required ?? current.required,
        maxLength: current.type === 'text' ? (dto.maxLength ?? current.maxLength) : null,
        active: dto.active ?? current.active,
      };
      const updated = await this.fields.update(tx, id, next);
      await this.audit.record(tx, by, requestId, {
        action: 'custom_field.updated',
        entityType: 'custom_field',
        entityId: id,
        before: current,
        after: updated,
      });
      return updated;
    });
  }

  /** Throws a validation error naming each bad value. */
  async assertValid(tx: Tx, values: Record<string, unknown>, requireAll: boolean): Promise<void> {
    const definitions = await this.fields.list(tx);
    if (!definitions.length && !Object.keys(values).length) return;
    const errors = validateCustomFieldValues(values, definitions, requireAll);
    if (errors.length) throw new ValidationFailed(errors);
  }
}
