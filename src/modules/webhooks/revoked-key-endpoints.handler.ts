import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { toEndpointDto } from './webhook.presenter.js';
import { WebhooksSubscribers } from './webhooks.events.js';

/**
 * A partner's webhooks end with its API key: on `api_key.revoked` the endpoints the key registered are
 * disabled, each with an audit row in the name of whoever revoked the key, in that request. (From the
 * revocation's commit the fan-out and the sender already refuse them; this makes it visible.) A rerun
 * finds nothing left to disable.
 */
@Injectable()
export class RevokedKeyEndpointsHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(WebhooksSubscribers.disableRevokedKeyEndpoints, async ({ payload }) => {
      await this.transactions.run(async (tx) => {
        for (const endpoint of await this.endpoints.disableCreatedBy(
          tx,
          payload.apiKeyId,
          'the API key that registered it was revoked',
        )) {
          await this.audit.record(tx, payload.revokedBy, payload.requestId ?? undefined, {
            action: 'webhook_endpoint.disabled',
            entityType: 'webhook_endpoint',
            entityId: endpoint.id,
            after: toEndpointDto(endpoint),
          });
        }
      });
    });
  }
}
