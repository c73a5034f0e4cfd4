import type { WebhookAttemptDto, WebhookDeliveryDto, WebhookEndpointDto } from './dto/webhook.dto.js';
import type { WebhookDeliveryRow } from './webhook-deliveries.repository.js';
import type { WebhookEndpointRow } from './webhook-endpoints.repository.js';

/** Also the `endpoint` of webhook_endpoint.* events and audit rows: never the secret. */
export function toEndpointDto(row: WebhookEndpointRow): WebhookEndpointDto {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    active: row.active,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    previousSecretExpiresAt:
      row.previous_secret_expires_at && row.previous_secret_expires_at > new Date()
        ? row.previous_secret_expires_at.toISOString()
        : null,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toDeliveryDto(row: WebhookDeliveryRow): WebhookDeliveryDto {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    webhookId: row.event_id,
    eventType: row.event_type,
    occurredAt: row.occurred_at.toISOString(),
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    attemptLog: row.attempt_log.map((attempt): WebhookAttemptDto => ({
      attemptedAt: new Date(attempt.attempted_at).toISOString(),
      statusCode: attempt.status_code,
      latencyMs: attempt.latency_ms,
      succeeded: attempt.succeeded,
      responseExcerpt: attempt.response_excerpt,
      error: attempt.error,
    })),
  };
}
