import { EVENT_CATALOGUES } from '../event-catalogues.js';
import { activeApiKeyWhoseScopesSql } from '../identity/identity.sql.js';
import { readableSql } from './event-scopes.js';

/** Events for other modules only (declared `internal`): never fanned out, not even by the recovery sweep. */
const INTERNAL_TYPES = EVENT_CATALOGUES.flatMap(({ events }) =>
  events.filter((type) => type.internal).map((type) => `'${type.name}'`),
);

// Endpoints subscribed to an event: exactly, by a `prefix.*` pattern, or by `*` (starts_with rather than
// LIKE, whose `_` wildcard would match inside names such as service_request); if an API key created the
// endpoint, only while the key is not revoked and its scopes may read the type (event-scopes.ts); and
// `webhook_endpoint.*` events only to endpoints of the same owner, or administrators'.
export const SUBSCRIBED = (endpoint: string, type: string, data: string) => `${endpoint}.deleted_at IS NULL
  ${INTERNAL_TYPES.length ? `AND ${type} <> ALL (ARRAY[${INTERNAL_TYPES.join(', ')}]::text[])` : ''}
  AND (${type} = ANY(${endpoint}.event_types) OR '*' = ANY(${endpoint}.event_types)
       OR EXISTS (SELECT 1 FROM unnest(${endpoint}.event_types) pattern WHERE right(pattern, 2) = '.*' AND starts_with(${type}, left(pattern, -1))))
  AND (${endpoint}.created_by_type <> 'api_key'
       OR ${activeApiKeyWhoseScopesSql(`${endpoint}.created_by_id::uuid`, (scopes) => readableSql(scopes, type))})
  AND (NOT starts_with(${type}, 'webhook_endpoint.') OR ${endpoint}.created_by_type = 'user'
       OR ${endpoint}.created_by_id = (SELECT subject.created_by_id FROM webhook_endpoints subject
                                        WHERE subject.id::text = coalesce(${data} ->> 'endpointId', ${data} -> 'endpoint' ->> 'id')))`;
