import { catalogue, eventType } from '../../infrastructure/outbox/event-catalogue.js';

export const IdentityEvents = {
  /**
   * Internal (never sent to partners): other modules end what the key started — webhooks disables the
   * endpoints it registered, auditing each as done by `revokedBy` in the revocation's request.
   */
  apiKeyRevoked: eventType<{
    apiKeyId: string;
    revokedBy: { actorType: string; actorId: string };
    requestId: string | null;
  }>('api_key.revoked', 'api_key', { internal: true }),
};

export const IDENTITY_CATALOGUE = catalogue('identity', IdentityEvents);
