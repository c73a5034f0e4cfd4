import type { OwnerScope } from './sales-access.js';

/** SQL: the caller's book as a condition on an owner column (null scope: everyone's). */
export function ownerScopeSql(scope: OwnerScope, column: string, param: (value: unknown) => string): string {
  if (!scope) return 'true';
  const owners = `${column} = ANY(${param(scope.owners)}::uuid[])`;
  return scope.unowned ? `(${owners} OR ${column} IS NULL)` : owners;
}

/** SQL: how many leads name the campaign (`campaignId`, an expression) as where they came from (R-O4). */
export function leadsFromCampaignSql(campaignId: string): string {
  return `(SELECT count(*)::int FROM leads l WHERE l.campaign_id = ${campaignId}::text)`;
}
