/**
 * SQL: the customer's outreach messages as timeline entries (kind `message`), read from the messages
 * themselves — the customers module's timeline reads them through this fragment instead of a copied
 * row per message, which was a heap row, two index entries and a foreign-key check for every message
 * a campaign launch or a scan wrote. One row per message of `customerId` (an SQL expression): `kind`,
 * `id` (`message-<uuid>`), `at` (when it was decided), `summary` (what it is about — the rule's or
 * campaign's name, or the title stored with it — the channel, the status now and the reason) and
 * `details` (`messageId`, `campaignId` when a campaign sent it, `purpose`, `channel`, `status`,
 * `reason`). Through `outreach_messages_customer_idx` (customer, created_at).
 */
export function customerMessageTimelineSql(customerId: string): string {
  return `SELECT 'message'::text AS kind, 'message-' || m.id::text AS id, m.created_at AS at,
                 coalesce(m.title, rule.name, campaign.name, '') || ' · ' || coalesce(m.channel, '-') || ' · ' || m.status
                   || coalesce(' (' || m.reason || ')', '') AS summary,
                 jsonb_build_object('messageId', m.id, 'purpose', m.purpose, 'channel', m.channel, 'status', m.status, 'reason', m.reason)
                   || CASE WHEN m.campaign_id IS NOT NULL THEN jsonb_build_object('campaignId', m.campaign_id) ELSE '{}'::jsonb END AS details
            FROM outreach_messages m
            LEFT JOIN outreach_rules rule ON rule.id = m.rule_id
            LEFT JOIN campaigns campaign ON campaign.id = m.campaign_id
           WHERE m.customer_id = ${customerId}`;
}
