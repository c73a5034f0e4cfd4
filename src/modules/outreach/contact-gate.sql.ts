import {
  CONSENT_CHANNEL,
  type ContactPolicy,
  DEFAULT_CONTACT_POLICY,
  MESSAGE_CHANNELS,
  PURPOSES,
} from './contact-gate.js';
import { customersWithOpenProblemSql } from './open-problems.js';

/**
 * For the transaction of a statement built on `contactDecisionSql` over a large audience: JIT
 * compilation of that statement cost about a second and saved less (its per-row work is a few
 * expressions and hash probes).
 */
export const GATED_STATEMENT_SETTINGS = 'SET LOCAL jit = off';

/**
 * The contact gate's SQL twin: `decideContact` (contact-gate.ts) as one set-based statement, for a
 * campaign launch or a daily scan deciding thousands of messages at once. The rules are checked in
 * the same order with the same data: consents and addresses from the customers module's contacts
 * fragment, open problems from `open-problems.ts`, caps and duplicates from the messages that count
 * (not suppressed, not failed). A medium test (test/medium/contact-gate.medium.test.ts) holds both to
 * the same answers over a grid of cases.
 *
 * Set-based, so its cost per recipient is a few expressions, not queries: the customers with an open
 * problem and each customer's recent message history are aggregated once and hash-joined; the channel
 * is a CASE over the (at most four) positions of the preference order; a time zone is checked against
 * the zone names once (a hashed subplan), the plpgsql check only for a value not among them.
 *
 * `recipients` is a FROM item with the columns of `customerContactsSql`; the other inputs are SQL
 * expressions (parameters): `purpose` text, `channels` text[] (preference order), `contentKey` text,
 * `now` timestamptz. The result adds `reason`, `decision`, `channel`, `address` and `send_at` to each
 * recipient row. `historyOf`, when given, is the recipients' ids as a cheap set (a materialised CTE
 * of a small audience): only their history is read, through the messages' customer index, instead
 * of aggregating every customer's (what a campaign to most customers wants).
 */
export function contactDecisionSql(input: {
  recipients: string;
  purpose: string;
  channels: string;
  contentKey: string;
  now: string;
  historyOf?: string;
  policy?: ContactPolicy;
}): string {
  const policy = input.policy ?? DEFAULT_CONTACT_POLICY;
  const { purpose, channels, contentKey, now } = input;
  const consented = (channel: string) =>
    `(r.consents ->> CASE ${channel} ${Object.entries(CONSENT_CHANNEL)
      .map(([message, consent]) => `WHEN '${message}' THEN '${consent}'`)
      .join(' ')} END)::boolean IS TRUE`;
  const addressOn = (channel: string) =>
    `CASE ${channel} WHEN 'email' THEN r.email WHEN 'sms' THEN r.mobile WHEN 'wechat' THEN r.wechat WHEN 'phone' THEN r.phone END`;
  const positions = MESSAGE_CHANNELS.map((_, i) => `(${channels})[${i + 1}]`);
  const channel = `CASE ${positions.map((at) => `WHEN ${consented(at)} AND ${addressOn(at)} <> '' THEN ${at}`).join(' ')} END`;
  const anyConsent = positions.map((at) => consented(at)).join(' OR ');

  const caps = PURPOSES.flatMap((name) => {
    const cap = policy.caps[name];
    return cap ? [{ name, max: int(cap.max), days: int(cap.days) }] : [];
  });
  const historyDays = Math.max(int(policy.duplicateWindowDays), ...caps.map((cap) => cap.days));
  const capDays = `CASE ${purpose} ${caps.map((cap) => `WHEN '${cap.name}' THEN ${cap.days}`).join(' ')} END`;
  const capMax = `CASE ${purpose} ${caps.map((cap) => `WHEN '${cap.name}' THEN ${cap.max}`).join(' ')} END`;

  const quietFrom = int(policy.quietFrom);
  const quietUntil = int(policy.quietUntil);
  const minute = `(extract(hour FROM z.local_now)::int * 60 + extract(minute FROM z.local_now)::int)`;
  const quiet =
    quietFrom > quietUntil
      ? `(${minute} >= ${quietFrom} OR ${minute} < ${quietUntil})`
      : `(${minute} >= ${quietFrom} AND ${minute} < ${quietUntil})`;
  const fallbackZone = literal(policy.defaultTimeZone);
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
      FROM (SELECT * FROM (${input.recipients}) recipient OFFSET 0) r
      LEFT JOIN (SELECT DISTINCT p.customer_id FROM (${customersWithOpenProblemSql()}) p WHERE ${purpose} = 'marketing') problem
        ON problem.customer_id = r.customer_id
      LEFT JOIN (
        SELECT m.customer_id,
               bool_or(m.content_key = ${contentKey} AND m.send_at > ${now} - interval '${int(policy.duplicateWindowDays)} days') AS duplicate,
               ${caps.length ? `count(*) FILTER (WHERE m.purpose = ${purpose} AND m.send_at > ${now} - make_interval(days => ${capDays}))` : '0'} AS capped
          FROM outreach_messages m
         WHERE m.decision <> 'suppress' AND m.status <> 'failed' AND m.send_at > ${now} - interval '${historyDays} days'
               ${input.historyOf ? `AND m.customer_id IN (${input.historyOf})` : ''}
         GROUP BY m.customer_id) history ON history.customer_id = r.customer_id
      CROSS JOIN LATERAL (SELECT ${channel} AS channel) c1
      CROSS JOIN LATERAL (SELECT c1.channel, ${addressOn('c1.channel')} AS address) ch
      CROSS JOIN LATERAL (
        SELECT zone, ${now} AT TIME ZONE zone AS local_now
          FROM (SELECT CASE WHEN r.time_zone IS NULL THEN ${fallbackZone}
                            WHEN r.time_zone IN (SELECT name FROM pg_timezone_names) THEN r.time_zone
                            ELSE outreach_time_zone(r.time_zone, ${fallbackZone}) END AS zone) tz) z
      CROSS JOIN LATERAL (
        SELECT CASE
          WHEN ${purpose} = 'marketing' AND r.marketing_opt_out THEN 'marketing-opt-out'
          WHEN ch.channel IS NULL THEN CASE WHEN ${anyConsent} THEN 'no-address' ELSE 'no-consent' END
          WHEN problem.customer_id IS NOT NULL THEN 'open-problem'
          WHEN history.duplicate THEN 'duplicate-content'
          ${caps.length ? `WHEN history.capped >= ${capMax} THEN 'frequency-cap'` : ''}
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
