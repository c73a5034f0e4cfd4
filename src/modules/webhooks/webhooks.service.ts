import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { Conflict, NotFound, StaleVersion, Unavailable, Unprocessable } from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { ForbiddenDestination } from './destination-policy.js';
import { scopesNeededFor } from './event-scopes.js';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveriesQuery,
  ReplayRangeDto,
  ReplayResultDto,
  RotatedSecretDto,
  TestDeliveryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
} from './dto/webhook.dto.js';
import { QueuedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryQueue } from './webhook-delivery-queue.js';
import { EndpointOwner, WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { toDeliveryDto, toEndpointDto } from './webhook.presenter.js';
import { WebhookSender } from './webhook-sender.js';
import { EventTypeNotReadable, ForbiddenWebhookDestination, ReplayRangeTooLarge } from './webhooks-errors.js';
import { newWebhookSecret } from './webhook-signature.js';
import { WebhooksEvents } from './webhooks.events.js';

/** Standard Webhooks: after a rotation the old secret stays valid this long, and deliveries carry both signatures. */
const ROTATION_GRACE_SECONDS = 24 * 3_600;
const MAX_RANGE_REPLAY = 10_000;

/**
 * Partners' webhook endpoints. An administrator manages every endpoint; an API key with
 * `webhooks:manage` sees and manages only the endpoints it created (others are 404 to it).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly deliveryQueue: WebhookDeliveryQueue,
    private readonly sender: WebhookSender,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateWebhookEndpointDto, by: Principal, requestId?: string): Promise<CreatedWebhookEndpointDto> {
    checkReadable(dto.eventTypes, by);
    await this.checkDestination(dto.url);
    const secret = newWebhookSecret();
    const row = await this.transactions.run(async (tx) => {
      const created = await this.endpoints.insert(tx, {
        url: dto.url,
        description: dto.description ?? null,
        eventTypes: [...new Set(dto.eventTypes)],
        secret,
        createdByType: by.kind,
        createdById: by.id,
      });
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_endpoint.created',
        entityType: 'webhook_endpoint',
        entityId: created.id,
        after: toEndpointDto(created),
      });
      return created;
    });
    return { ...toEndpointDto(row), secret };
  }

  async list(by: Principal, cursor: string | undefined, limit: number): Promise<Page<WebhookEndpointDto>> {
    const rows = await this.endpoints.list(ownerOf(by), decodeCursor(cursor), limit);
    return toPage(rows, limit, (row) => ({ at: row.created_at.toISOString(), id: row.id }), toEndpointDto);
  }

  async get(id: string, by: Principal): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.mustFind(id, by));
  }

  async update(
    id: string,
    dto: UpdateWebhookEndpointDto,
    ifMatch: number | undefined,
    by: Principal,
    requestId?: string,
  ): Promise<WebhookEndpointDto> {
    rejectNulls(dto, ['url', 'eventTypes', 'active']);
    if (dto.eventTypes) checkReadable(dto.eventTypes, by);
    if (dto.url !== undefined) await this.checkDestination(dto.url);
    const expected = ifMatch ?? dto.version;
    return this.transactions.run(async (tx) => {
      const before = await this.mustFind(id, by, tx, true);
      if (expected !== undefined && expected !== before.version)
        throw new StaleVersion('Webhook endpoint', expected, before.version);
      const after = await this.endpoints.update(tx, id, {
        url: dto.url,
        description: dto.description,
        eventTypes: dto.eventTypes && [...new Set(dto.eventTypes)],
        active: dto.active,
      });
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_endpoint.updated',
        entityType: 'webhook_endpoint',
        entityId: id,
        before: toEndpointDto(before),
        after: toEndpointDto(after),
      });
      return toEndpointDto(after);
    });
  }

  async remove(id: string, by: Principal, requestId?: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const before = await this.mustFind(id, by, tx, true);
      await this.endpoints.softDelete(tx, id);
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_endpoint.deleted',
        entityType: 'webhook_endpoint',
        entityId: id,
        before: toEndpointDto(before),
      });
    });
  }

  async rotateSecret(id: string, by: Principal, requestId?: string): Promise<RotatedSecretDto> {
    const secret = newWebhookSecret();
    const row = await this.transactions.run(async (tx) => {
      const current = await this.mustFind(id, by, tx, true);
      const rotated = await this.endpoints.rotateSecret(tx, id, secret, ROTATION_GRACE_SECONDS);
      if (!rotated) {
        throw new Conflict(
          `The secret replaced by the last rotation is still accepted until ${current.previous_secret_expires_at?.toISOString()}; rotate again after that, so partners never lose a secret they still verify with.`,
        );
      }
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_endpoint.secret_rotated',
        entityType: 'webhook_endpoint',
        entityId: id,
      });
      return rotated;
    });
    return { secret, previousSecretExpiresAt: row.previous_secret_expires_at!.toISOString() };
  }

  async sendTest(id: string, by: Principal): Promise<TestDeliveryDto> {
    const endpoint = await this.mustFind(id, by);
    const eventId = randomUUID();
    const delivery = await this.transactions.run((tx) =>
      this.deliveries.createTestDelivery(tx, endpoint.id, {
        id: eventId,
        type: WebhooksEvents.test.name,
        data: { endpointId: endpoint.id, message: 'A test delivery from the CRM.' },
      }),
    );
    await this.enqueue([delivery]);
    return { deliveryId: delivery.id, webhookId: eventId };
  }

  async listDeliveries(id: string, query: DeliveriesQuery, by: Principal): Promise<Page<WebhookDeliveryDto>> {
    await this.mustFind(id, by);
    const rows = await this.deliveries.list(id, query.status, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.created_at.toISOString(), id: row.id }), toDeliveryDto);
  }

  async replayDelivery(deliveryId: string, by: Principal, requestId?: string): Promise<ReplayResultDto> {
    const endpointId = await this.deliveries.endpointOf(deliveryId);
    if (!endpointId || !(await this.endpoints.find(endpointId, ownerOf(by))))
      throw new NotFound('Webhook delivery', deliveryId);
    const delivery = await this.transactions.run(async (tx) => {
      const replayed = await this.deliveries.replayOne(tx, deliveryId, [endpointId]);
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_delivery.replayed',
        entityType: 'webhook_delivery',
        entityId: deliveryId,
      });
      return replayed!;
    });
    await this.enqueue([delivery]);
    return { replayed: 1 };
  }

  async replayRange(id: string, range: ReplayRangeDto, by: Principal, requestId?: string): Promise<ReplayResultDto> {
    if (new Date(range.from) >= new Date(range.to))
      throw new Unprocessable('from must be before to.', [{ field: 'from', message: 'from must be before to' }]);
    const replayed = await this.transactions.run(async (tx) => {
      await this.mustFind(id, by, tx);
      const rows = await this.deliveries.replayRange(tx, id, range.from, range.to, MAX_RANGE_REPLAY);
      if (rows === 'too many') throw new ReplayRangeTooLarge(MAX_RANGE_REPLAY);
      await this.audit.record(tx, by, requestId, {
        action: 'webhook_endpoint.replayed',
        entityType: 'webhook_endpoint',
        entityId: id,
        after: { ...range, deliveries: rows.length },
      });
      return rows;
    });
    await this.enqueue(replayed);
    return { replayed: replayed.length };
  }

  private async enqueue(deliveries: QueuedDelivery[]): Promise<void> {
    try {
      await this.deliveryQueue.enqueue(deliveries);
    } catch {
      // The deliveries are recorded as pending; asking again queues them under a new generation.
      throw new Unavailable('The delivery queue is unavailable: try again shortly.');
    }
  }

  private async checkDestination(url: string): Promise<void> {
    try {
      await this.sender.checkDestination(url);
    } catch (error) {
      if (!(error instanceof ForbiddenDestination)) throw error;
      throw new ForbiddenWebhookDestination(error.message);
    }
  }

  private async mustFind(
    id: string,
    by: Principal,
    ...rest: [tx?: Parameters<WebhookEndpointsRepository['find']>[2], lock?: boolean]
  ) {
    const row = await this.endpoints.find(id, ownerOf(by), ...rest);
    if (!row) throw new NotFound('Webhook endpoint', id);
    return row;
  }
}

/** An API key subscribes only to events its scopes may read over the REST API (event-scopes.ts). */
function checkReadable(eventTypes: string[], by: Principal): void {
  if (by.kind !== 'api_key') return;
  const refused = eventTypes.filter((type) => {
    const needed = scopesNeededFor(type);
    return needed.length > 0 && !needed.some((scope) => by.scopes.includes(scope));
  });
  if (refused.length) {
    const details = refused.map((type) => ({
      field: 'eventTypes',
      message: `${type} needs one of the scopes ${scopesNeededFor(type).join(', ')}`,
    }));
    throw new EventTypeNotReadable(refused, details);
  }
}

function ownerOf(principal: Principal): EndpointOwner {
  return principal.kind === 'api_key' ? { createdById: principal.id } : { all: true };
}
