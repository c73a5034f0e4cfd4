import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, Unauthenticated } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { IdentityEvents } from './identity.events.js';
import { API_KEY_PREFIX, newSecret, sha256 } from './secrets.js';
import { TokensRepository } from './tokens.repository.js';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
  ) {}

  async create(dto: CreateApiKeyDto, by: Principal, requestId?: string): Promise<CreatedApiKeyDto> {
    const key = newSecret(API_KEY_PREFIX);
    const row = await this.transactions.run(async (tx) => {
      const created = await this.tokens.insertApiKey(
        tx,
        dto.name,
        key.slice(0, 10),
        sha256(key),
        [...new Set(dto.scopes)],
        by.kind === 'user' ? by.id : null,
      );
      await this.audit.record(tx, by, requestId, {
        action: 'api_key.created',
        entityType: 'api_key',
        entityId: created.id,
        after: ApiKeyDto.from(created),
      });
      return created;
    });
    return { ...ApiKeyDto.from(row), key };
  }

  async list(query: PageQuery): Promise<Page<ApiKeyDto>> {
    const rows = await this.tokens.listApiKeys(decodeCursor(query.cursor), query.limit);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) => ApiKeyDto.from(row),
    );
  }

  async revoke(id: string, by: Principal, requestId?: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const revoked = await this.tokens.revokeApiKey(tx, id);
      if (!revoked) throw new NotFound('API key', id);
      await this.audit.record(tx, by, requestId, {
        action: 'api_key.revoked',
        entityType: 'api_key',
        entityId: id,
        after: ApiKeyDto.from(revoked),
      });
      // The partner's webhooks end with its key: the webhooks module disables them on this event (the
      // fan-out and the sender already refuse a revoked key's endpoints from this commit on).
      await this.outbox.record(tx, IdentityEvents.apiKeyRevoked, id, {
        apiKeyId: id,
        revokedBy: actorOf(by),
        requestId: requestId ?? null,
      });
    });
  }

  async verify(key: string): Promise<Principal> {
    const row = await this.tokens.findActiveApiKeyByHash(sha256(key));
    if (!row) throw new Unauthenticated('The API key is not valid or has been revoked.');
    void this.tokens.touchApiKey(row.id).catch(() => undefined);
    return { kind: 'api_key', id: row.id, scopes: row.scopes, name: row.name };
  }
}
