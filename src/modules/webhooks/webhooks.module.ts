import { Module } from '@nestjs/common';
import { DeliverWebhook } from './deliver-webhook.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhookDeliveryQueue } from './webhook-delivery-queue.js';
import { WebhookEndpointHealth } from './webhook-endpoint-health.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';
import { WebhookFanOutHandler } from './webhook-fan-out.handler.js';
import { RevokedKeyEndpointsHandler } from './revoked-key-endpoints.handler.js';
import { WebhookRecoveryProcessor } from './webhook-recovery.processor.js';
import { WebhookRecoveryRepository } from './webhook-recovery.repository.js';
import { WebhookRetentionRepository } from './webhook-retention.repository.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';
import { WebhooksErasureStep } from './webhooks-erasure.step.js';

/** Partners' webhook endpoints and their deliveries. */
@Module({
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookDeliveryQueue,
    WebhookSender,
    WebhooksService,
    WebhooksErasureStep,
  ],
  exports: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookDeliveryQueue,
    WebhookSender,
    WebhooksService,
  ],
})
export class WebhooksModule {}

/** The webhook endpoints of the API, served by api processes only. */
@Module({ imports: [WebhooksModule], controllers: [WebhooksController] })
export class WebhooksHttpModule {}

/** Fan-out of published events and the delivery worker, in worker processes only. */
@Module({
  imports: [WebhooksModule],
  providers: [
    WebhookRecoveryRepository,
    WebhookRetentionRepository,
    WebhookFanOutHandler,
    RevokedKeyEndpointsHandler,
    WebhookEndpointHealth,
    DeliverWebhook,
    WebhookDeliveryProcessor,
    WebhookRecoveryProcessor,
  ],
})
export class WebhooksWorkerModule {}
