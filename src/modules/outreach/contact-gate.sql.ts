import { CONSENT_CHANNEL, type ContactPolicy, DEFAULT_CONTACT_POLICY, PURPOSES } from './contact-gate.js';
import { customerHasOpenProblemSql } from './open-problems.js';

/**
 * The contact gate's SQL twin: `decideContact` (contact-gate.ts) as one set-based statement, for a
 * campaign launch or a daily scan deciding thousands of messages at once. The rules are checked in
 * the same order with the same data: consents and addresses from the customers module's contacts
 * fragment, open problems from `open-problems.ts`, caps and duplicates from the messages that count
 * (not suppressed, not failed) through `outreach_messages_customer_idx`. A medium test
 * (test/medium/contact-gate.medium.test.ts) holds both to the same answers over a grid of cases.
 *
 * `recipients` is a FROM item with the columns of `customerContactsSql`; the other inputs are SQL
 * expressions (parameters): `purpose` text, `channels` text[] (preference order), `contentKey` text,
 * `now` timestamptz. The result adds `reason`, `decision`, `channel`, `address` and `send_at` to each
 * recipient row.
 */
export function contactDecisionSql(input: {
  recipients: string;
  purpose: string;
  channels: string;
  contentKey: string;
  now: string;
  policy?: ContactPolicy;
}): string {
  const policy = input.policy ?? DEFAULT_CONTACT_POLICY;
  const { purpose, channels, contentKey, now } = input;
  const consentChannel = (channel: string) =>
    `CASE ${channel} ${Object.entries(CONSENT_CHANNEL)
      .map(([message, consent]) => `WHEN '${message}' THEN '${consent}'`)
      .join(' ')} END`;
  const counts = `m.customer_id = r.customer_id AND m.decision <> 'suppress' AND m.status <> 'failed'`;
  const capChecks = PURPOSES.flatMap((name) => {
    const cap = policy.caps[name];
    return cap
      ? [
          `(${purpose} = '${name}' AND (SELECT count(*) FROM outreach_messages m WHERE ${counts}
              AND m.purpose = '${name}' AND m.send_at > ${now} - interval '${int(cap.days)} days') >= ${int(cap.max)})`,
        ]
      : [];
  });
  const quietFrom = int(policy.quietFrom);
  const quietUntil = int(policy.quietUntil);
  const minute = `(extract(hour FROM z.local_now)::int * 60 + extract(minute FROM z.local_now)::int)`;
  const quiet =
    quietFrom > quietUntil
      ? `(${minute} >= ${quietFrom} OR ${minute} < ${quietUntil})`
      : `(${minute} >= ${quietFrom} AND ${minute} < ${quietUntil})`;
  return `
    SELECT r.*, g.reason,
           CASE WHEN g.reason IS NULL THEN 'send' WHEN g.reason = 'quiet-hours' THEN 'defer' ELSE 'suppress' END AS decision,
           CASE WHEN g.reason IN ('marketing-opt-out', 'no-consent', 'no-address') THEN NULL ELSE ch.channel END AS channel,
           CASE WHEN g.reason IS NULL OR g.reason = 'quiet-hours' THEN ch.address END AS address,
           CASE WHEN g.reason = 'quiet-hours'
                THEN (date_trunc('day', z.local_now)
                      + CASE WHEN ${minute} >= ${quietUntil} THEN interval '1 day' ELSE interval '0' END
                      + interval '${quietUntil} minutes') AT TIME ZONE z.zone
                ELSE ${now} END AS send_at
      FROM (${input.recipients}) r
      LEFT JOIN LATERAL (
        SELECT o.channel, a.address
          FROM unnest(${channels}::text[]) WITH ORDINALITY AS o(channel, n)
          CROSS JOIN LATERAL (SELECT CASE o.channel WHEN 'email' THEN r.email WHEN 'sms' THEN r.mobile
                                     WHEN 'wechat' THEN r.wechat WHEN 'phone' THEN r.phone END AS address) a
         WHERE (r.consents ->> ${consentChannel('o.channel')})::boolean IS TRUE AND a.address <> ''
         ORDER BY o.n LIMIT 1) ch ON true
      CROSS JOIN LATERAL (
        SELECT zone, ${now} AT TIME ZONE zone AS local_now
          FROM (SELECT CASE WHEN r.time_zone IS NULL THEN ${literal(policy.defaultTimeZone)}
                            ELSE outreach_time_zone(r.time_zone, ${literal(policy.defaultTimeZone)}) END AS zone) tz) z
      CROSS JOIN LATERAL (
        SELECT CASE
          WHEN ${purpose} = 'marketing' AND r.marketing_opt_out THEN 'marketing-opt-out'
          WHEN ch.channel IS NULL THEN
            CASE WHEN EXISTS (SELECT 1 FROM unnest(${channels}::text[]) AS o(channel)
                               WHERE (r.consents ->> ${consentChannel('o.channel')})::boolean IS TRUE)
                 THEN 'no-address' ELSE 'no-consent' END
          WHEN ${purpose} = 'marketing' AND ${customerHasOpenProblemSql('r.customer_id')} THEN 'open-problem'
          WHEN EXISTS (SELECT 1 FROM outreach_messages m WHERE ${counts} AND m.content_key = ${contentKey}
                          AND m.send_at > ${now} - interval '${int(policy.duplicateWindowDays)} days') THEN 'duplicate-content'
          ${capChecks.length ? `WHEN ${capChecks.join(' OR ')} THEN 'frequency-cap'` : ''}
          WHEN ch.channel <> 'phone' AND ${quiet} THEN 'quiet-hours'
        END AS reason) g`;
}

function int(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`contact policy: ${value} is not a whole number`);
  return value;
}

function literal(text: string): string {
  if (!/^[A-Za-z0-9_/+-]+$/.test(text)) throw new Error(`contact policy: "${text}" is not a time zone name`);
  return `'${text}'`;
}
