import { catalogue, eventType, subscriber } from '../../infrastructure/outbox/event-catalogue.js';
import { IdentityEvents } from '../identity/identity.events.js';

export const WebhooksEvents = {
  /** Only to the same owner's other endpoints and administrators' (see the fan-out's SUBSCRIBED). */
  endpointDisabled: eventType<{ endpointId: string; reason: string; disabledAt: string }>(
    'webhook_endpoint.disabled',
    'webhook_endpoint',
  ),
  /** `POST /webhooks/{id}/test`: written straight to the one endpoint's deliveries, never to the outbox. */
  test: eventType<{ endpointId: string; message: string }>('webhook.test', 'webhook_endpoint'),
};

export const WebhooksSubscribers = {
  /** Every event that is not internal becomes one delivery per subscribed endpoint. */
  fanOut: subscriber<Record<string, unknown>>('webhooks', 'fan-out', '*'),
  /** A revoked API key's endpoints are disabled, each with an audit row in the revocation's name. */
  disableRevokedKeyEndpoints: subscriber('webhooks', 'disable-revoked-key-endpoints', [IdentityEvents.apiKeyRevoked]),
};

export const WEBHOOKS_CATALOGUE = catalogue('webhooks', WebhooksEvents, WebhooksSubscribers);
