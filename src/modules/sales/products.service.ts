import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Conflict, NotFound, StaleVersion, Unprocessable } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import type { CreateProductDto, ListProductsQuery, ProductDto, UpdateProductDto } from './dto/quote.dto.js';
import { ProductsRepository } from './products.repository.js';
import { toProductDto } from './quote.presenter.js';
import { ProductEvents } from './sales.events.js';

/** The one price list (R-SP6): products with their list price, kept by administrators and managers. */
@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateProductDto, principal: Principal, requestId: string): Promise<ProductDto> {
    this.assertCurrency(dto.listPrice.currency);
    return this.transactions.run(async (tx) => {
      const row = await this.products.insert(tx, {
        code: dto.code,
        name: dto.name,
        unit: dto.unit,
        listPrice: dto.listPrice.amount,
        currency: dto.listPrice.currency,
        active: dto.active ?? true,
      });
      if (!row) throw new Conflict(`A product with the code ${dto.code} already exists.`);
      const product = toProductDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: 'product.created',
        entityType: 'product',
        entityId: row.id,
        after: product,
      });
      await this.outbox.record(tx, ProductEvents.created, row.id, { product });
      return product;
    });
  }

  async get(id: string): Promise<ProductDto> {
    const row = await this.products.find(id);
    if (!row) throw new NotFound('Product', id);
    return toProductDto(row);
  }

  async list(query: ListProductsQuery): Promise<Page<ProductDto>> {
    const active = query.active === undefined ? undefined : query.active === 'true';
    const rows = await this.products.list(active, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toProductDto);
  }

  async update(
    id: string,
    dto: UpdateProductDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ProductDto> {
    if (dto.listPrice) this.assertCurrency(dto.listPrice.currency);
    return this.transactions.run(async (tx) => {
      const current = await this.products.lock(tx, id);
      if (!current) throw new NotFound('Product', id);
      if (ifMatch !== undefined && ifMatch !== current.version)
        throw new StaleVersion('Product', ifMatch, current.version);
      const columns: Record<string, unknown> = {};
      if (dto.name !== undefined) columns.name = dto.name;
      if (dto.unit !== undefined) columns.unit = dto.unit;
      if (dto.listPrice !== undefined) columns.list_price = dto.listPrice.amount;
      if (dto.active !== undefined) columns.active = dto.active;
      if (!Object.keys(columns).length) return toProductDto(current);
      const product = toProductDto(await this.products.update(tx, id, columns));
      const changedFields = Object.keys(dto).filter((key) => (dto as Record<string, unknown>)[key] !== undefined);
      await this.audit.record(tx, principal, requestId, {
        action: 'product.updated',
        entityType: 'product',
        entityId: id,
        before: toProductDto(current),
        after: product,
        fields: changedFields,
      });
      await this.outbox.record(tx, ProductEvents.updated, id, { product, changedFields });
      return product;
    });
  }

  private assertCurrency(currency: string): void {
    if (currency !== this.config.SALES_CURRENCY)
      throw new Unprocessable(`The price list is in ${this.config.SALES_CURRENCY}.`, [
        { field: 'listPrice.currency', message: `must be ${this.config.SALES_CURRENCY}` },
      ]);
  }
}
