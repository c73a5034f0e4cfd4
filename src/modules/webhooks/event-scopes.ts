import type { Scope } from '../../common/auth/principal.js';

/**
 * Which event types an API key may receive by webhook: the same data its scopes let it read over the
 * REST API. A key needs one of the listed scopes for a family; types outside these families (the
 * owner's own `webhook_endpoint.*`, `webhook.test`) need only `webhooks:manage`. Administrators'
 * endpoints receive everything. Checked when an endpoint is registered (422) and again at every fan-out,
 * so narrowing or revoking a key takes effect at once and `*` means "everything this key may read".
 */
export const EVENT_FAMILY_SCOPES: readonly { prefix: string; scopes: readonly Scope[] }[] = [
  { prefix: 'customer.', scopes: ['customers:read'] },
  { prefix: 'purchase.', scopes: ['customers:read'] },
  { prefix: 'interaction.', scopes: ['customers:read'] },
  { prefix: 'loyalty.', scopes: ['customers:read'] },
  { prefix: 'service_request.', scopes: ['service-requests:write', 'customers:read'] },
  { prefix: 'lead.', scopes: ['leads:write', 'sales:read'] },
  { prefix: 'opportunity.', scopes: ['sales:read'] },
  { prefix: 'quote.', scopes: ['sales:read'] },
  { prefix: 'product.', scopes: ['sales:read'] },
  { prefix: 'sales.', scopes: ['sales:read'] },
  { prefix: 'work_plan.', scopes: ['sales:read'] },
  { prefix: 'visit.', scopes: ['sales:read'] },
  { prefix: 'complaint.', scopes: ['complaints:write', 'customers:read'] },
  { prefix: 'improvement_action.', scopes: ['complaints:write', 'customers:read'] },
];

/**
 * Events that reveal a sensitive field (a birthday reward tells the birth date): a key also needs
 * customers:sensitive, as for reading the field over the REST API. A key subscribed to `loyalty.*` or
 * `*` without it simply does not get them.
 */
export const SENSITIVE_EVENT_TYPES: readonly string[] = ['loyalty.birthday_rewarded'];
const SENSITIVE_SCOPE: Scope = 'customers:sensitive';

/** The scopes of which a key needs one to receive the events a pattern (exact type or `prefix.*`) names; `*` is filtered per event. */
export function scopesNeededFor(pattern: string): readonly Scope[] {
  if (pattern === '*') return [];
  if (SENSITIVE_EVENT_TYPES.includes(pattern)) return [SENSITIVE_SCOPE];
  const name = pattern.endsWith('.*') ? pattern.slice(0, -1) : pattern;
  return (
    EVENT_FAMILY_SCOPES.find((family) => name.startsWith(family.prefix) || family.prefix.startsWith(name))?.scopes ?? []
  );
}

/** SQL: whether a key with the scopes `keyScopes` (text[]) may receive an event of type `type`. The literals come from the table above. */
export function readableSql(keyScopes: string, type: string): string {
  const cases = EVENT_FAMILY_SCOPES.map(
    (family) =>
      `WHEN starts_with(${type}, '${family.prefix}') THEN ${keyScopes} && ARRAY[${family.scopes.map((scope) => `'${scope}'`).join(', ')}]::text[]`,
  );
  const sensitive = `${type} <> ALL (ARRAY[${SENSITIVE_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}]::text[]) OR ${keyScopes} && ARRAY['${SENSITIVE_SCOPE}']::text[]`;
  return `(CASE ${cases.join(' ')} ELSE true END AND (${sensitive}))`;
}
