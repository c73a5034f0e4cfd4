import { readableSql } from './event-scopes.js';

// Endpoints subscribed to an event: exactly, by a `prefix.*` pattern, or by `*` (starts_with rather than
// LIKE, whose `_` wildcard would match inside names such as service_request); if an API key created the
// endpoint, only while the key is not revoked and its scopes may read the type (event-scopes.ts); and
// `webhook_endpoint.*` events only to endpoints of the same owner, or administrators'.
export const SUBSCRIBED = (endpoint: string, type: string, data: string) => `${endpoint}.deleted_at IS NULL
  AND (${type} = ANY(${endpoint}.event_types) OR '*' = ANY(${endpoint}.event_types)
       OR EXISTS (SELECT 1 FROM unnest(${endpoint}.event_types) pattern WHERE right(pattern, 2) = '.*' AND starts_with(${type}, left(pattern, -1))))
  AND (${endpoint}.created_by_type <> 'api_key'
       OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = ${endpoint}.created_by_id::uuid AND k.revoked_at IS NULL AND ${readableSql('k.scopes', type)}))
  AND (NOT starts_with(${type}, 'webhook_endpoint.') OR ${endpoint}.created_by_type = 'user'
       OR ${endpoint}.created_by_id = (SELECT subject.created_by_id FROM webhook_endpoints subject
                                        WHERE subject.id::text = coalesce(${data} ->> 'endpointId', ${data} -> 'endpoint' ->> 'id')))`;

