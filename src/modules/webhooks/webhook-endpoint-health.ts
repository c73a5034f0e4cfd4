import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { WebhooksEvents } from './webhooks.events.js';

/**
 * Disables endpoints that are gone (410) or have failed for days, and says so with `webhook_endpoint.disabled`
 * (only the endpoint's id: the fan-out sends it to the endpoint owner's other endpoints and to administrators').
 */
@Injectable()
export class WebhookEndpointHealth {
  private readonly logger = new Logger(WebhookEndpointHealth.name);

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly config: AppConfig,
  ) {}

  /** After a failed attempt: disables the endpoint when every attempt has failed for longer than allowed. */
  async noteFailure(endpointId: string): Promise<void> {
    const failingSince = await this.endpoints.markFailing(endpointId);
    const failingForSeconds = (Date.now() - failingSince.getTime()) / 1_000;
    if (failingForSeconds >= this.config.WEBHOOK_DISABLE_AFTER_FAILING_SECONDS) {
      await this.disable(endpointId, `every delivery has failed since ${failingSince.toISOString()}`);
    }
  }

  async disable(endpointId: string, reason: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const disabled = await this.endpoints.disable(tx, endpointId, reason);
      if (!disabled) return;
      await this.outbox.record(tx, WebhooksEvents.endpointDisabled, endpointId, {
        endpointId,
        reason,
        disabledAt: disabled.disabled_at!.toISOString(),
      });
      this.logger.warn({ endpointId, reason }, 'webhook endpoint disabled');
    });
  }
}
