/**
 * SQL the identity module lends to other modules (test/table-ownership.test.ts): only identity's files
 * name its tables.
 */

/**
 * SQL: whether `keyId` (an SQL expression, a uuid) is an API key that is not revoked and whose scopes
 * (a text[] expression handed to `scopesAllow`) pass the caller's test — for the webhook fan-out,
 * which checks every endpoint a key registered against the key as it is now.
 */
export function activeApiKeyWhoseScopesSql(keyId: string, scopesAllow: (scopes: string) => string): string {
  return `EXISTS (SELECT 1 FROM api_keys k WHERE k.id = ${keyId} AND k.revoked_at IS NULL AND ${scopesAllow('k.scopes')})`;
}
