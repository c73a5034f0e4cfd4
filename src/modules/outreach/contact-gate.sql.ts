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
 * expressions and hash probes); and the consents hash-joined per channel over a million customers
 * spilled to disk in batches at the default 4 MB of work memory.
 */
export const GATED_STATEMENT_SETTINGS = `SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`;

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
 * is a CASE over the (at most four) positions of the preference order; each time zone's quiet hours
 * and their end are computed once per zone name into one object (an InitPlan) that each recipient
 * looks its zone up in — the plpgsql check and the arithmetic per recipient only for a zone not among
 * the names (as a join on the zone list, the planner sorted the whole audience for a merge join). Each step is a subquery fenced
 * with OFFSET 0, so that its columns are computed once per row: inlined, the planner copied the
 * channel's CASE and the zone lookup into every expression that used them (the zone's, with its
 * hashed subplan, about twenty times per recipient).
 *
 * `recipients` is a FROM item with the columns of `customerContactsSql`; the other inputs are SQL
 * expressions (parameters): `purpose` text, `channels` text[] (preference order), `contentKey` text,
 * `now` timestamptz. One row per recipient: `customer_id`, `reason`, `decision`, `channel`, `address`
 * and `send_at`. With `historyPerRecipient` each recipient's history is read through the messages'
 * customer index (a LATERAL lookup), for an audience that is a small share of the customers (a daily
 * scan's); without it every customer's recent history is aggregated once and hash-joined (what a
 * campaign to most customers wants).
 */
export function contactDecisionSql(input: {
  recipients: string;
  purpose: string;
  channels: string;
  contentKey: string;
  now: string;
  historyPerRecipient?: boolean;
  policy?: ContactPolicy;
}): string {
  const policy = input.policy ?? DEFAULT_CONTACT_POLICY;
  const { purpose, channels, contentKey, now } = input;
  const consented = (channel: string, row = 'r') =>
    `(${row}.consents ->> CASE ${channel} ${Object.entries(CONSENT_CHANNEL)
      .map(([message, consent]) => `WHEN '${message}' THEN '${consent}'`)
      .join(' ')} END)::boolean IS TRUE`;
  const addressOn = (channel: string) =>
    `CASE ${channel} WHEN 'email' THEN r.email WHEN 'sms' THEN r.mobile WHEN 'wechat' THEN r.wechat WHEN 'phone' THEN r.phone END`;
  const positions = MESSAGE_CHANNELS.map((_, i) => `(${channels})[${i + 1}]`);
  const channel = `CASE ${positions.map((at) => `WHEN ${consented(at)} AND ${addressOn(at)} <> '' THEN ${at}`).join(' ')} END`;
  const anyConsent = positions.map((at) => consented(at, 'l')).join(' OR ');

  const caps = PURPOSES.flatMap((name) => {
    const cap = policy.caps[name];
    return cap ? [{ name, max: int(cap.max), days: int(cap.days) }] : [];
  });
  const historyDays = Math.max(int(policy.duplicateWindowDays), ...caps.map((cap) => cap.days));
  const capDays = `CASE ${purpose} ${caps.map((cap) => `WHEN '${cap.name}' THEN ${cap.days}`).join(' ')} END`;
  const capMax = `CASE ${purpose} ${caps.map((cap) => `WHEN '${cap.name}' THEN ${cap.max}`).join(' ')} END`;

  const quietFrom = int(policy.quietFrom);
  const quietUntil = int(policy.quietUntil);
  const minute = (localNow: string) =>
    `(extract(hour FROM ${localNow})::int * 60 + extract(minute FROM ${localNow})::int)`;
  const quiet = (localNow: string) =>
    quietFrom > quietUntil
      ? `(${minute(localNow)} >= ${quietFrom} OR ${minute(localNow)} < ${quietUntil})`
      : `(${minute(localNow)} >= ${quietFrom} AND ${minute(localNow)} < ${quietUntil})`;
  // The next minute outside the quiet hours, in the zone `zone` whose local time is `localNow`.
  const quietEnds = (localNow: string, zone: string) =>
    `((date_trunc('day', ${localNow})
       + CASE WHEN ${minute(localNow)} >= ${quietUntil} THEN interval '1 day' ELSE interval '0' END
       + interval '${quietUntil} minutes') AT TIME ZONE ${zone})`;
  // The messages that count (not suppressed, not failed) in the longest window a rule looks back.
  const history = `SELECT m.customer_id,
                          bool_or(m.content_key = ${contentKey} AND m.send_at > ${now} - interval '${int(policy.duplicateWindowDays)} days') AS duplicate,
                          ${caps.length ? `count(*) FILTER (WHERE m.purpose = ${purpose} AND m.send_at > ${now} - make_interval(days => ${capDays}))` : '0'} AS capped
                     FROM outreach_messages m
                    WHERE m.decision <> 'suppress' AND m.status <> 'failed' AND m.send_at > ${now} - interval '${historyDays} days'`;

  const fallbackZone = literal(policy.defaultTimeZone);
  // Every zone Postgres lists, by name: [in its quiet hours now, when they end] — computed once (an
  // InitPlan) and looked up per recipient, instead of converting the time per recipient.
  const zones = `(SELECT jsonb_object_agg(t.name, jsonb_build_array(${quiet('t.local_now')}, ${quietEnds('t.local_now', 't.name')}))
                    FROM (SELECT name, ${now} AT TIME ZONE name AS local_now FROM pg_timezone_names) t)`;
  // A zone not among the names (one Postgres still knows, or the fallback for one it does not): per recipient.
  const oddZone = (row: string) => `outreach_time_zone(${row}.time_zone, ${fallbackZone})`;
  const oddLocalNow = (row: string) => `(${now} AT TIME ZONE ${oddZone(row)})`;
  return `
    SELECT g.customer_id, g.reason,
           CASE WHEN g.reason IS NULL THEN 'send' WHEN g.reason = 'quiet-hours' THEN 'defer' ELSE 'suppress' END AS decision,
           CASE WHEN g.reason IN ('marketing-opt-out', 'no-consent', 'no-address') THEN NULL ELSE g.channel END AS channel,
           CASE WHEN g.reason IS NULL OR g.reason = 'quiet-hours' THEN g.address END AS address,
           CASE WHEN g.reason = 'quiet-hours'
                THEN CASE WHEN g.zone IS NOT NULL THEN (g.zone ->> 1)::timestamptz ELSE ${quietEnds(oddLocalNow('g'), oddZone('g'))} END
                ELSE ${now} END AS send_at
      FROM (
        SELECT l.customer_id, l.channel, l.zone, l.time_zone,
               CASE l.channel WHEN 'email' THEN l.email WHEN 'sms' THEN l.mobile WHEN 'wechat' THEN l.wechat WHEN 'phone' THEN l.phone END AS address,
               CASE
                 WHEN ${purpose} = 'marketing' AND l.marketing_opt_out THEN 'marketing-opt-out'
                 WHEN l.channel IS NULL THEN CASE WHEN ${anyConsent} THEN 'no-address' ELSE 'no-consent' END
                 WHEN l.open_problem THEN 'open-problem'
                 WHEN l.duplicate THEN 'duplicate-content'
                 ${caps.length ? `WHEN l.capped >= ${capMax} THEN 'frequency-cap'` : ''}
                 WHEN l.channel <> 'phone'
                      AND CASE WHEN l.zone IS NOT NULL THEN (l.zone ->> 0)::boolean ELSE ${quiet(oddLocalNow('l'))} END
                   THEN 'quiet-hours'
               END AS reason
          FROM (
            SELECT r.customer_id, r.email, r.mobile, r.wechat, r.phone, r.marketing_opt_out, r.consents, r.time_zone,
                   ${channel} AS channel, problem.customer_id IS NOT NULL AS open_problem, history.duplicate, history.capped,
                   ${zones} -> coalesce(r.time_zone, ${fallbackZone}) AS zone
              FROM (SELECT * FROM (${input.recipients}) recipient OFFSET 0) r
              LEFT JOIN (SELECT DISTINCT p.customer_id FROM (${customersWithOpenProblemSql()}) p WHERE ${purpose} = 'marketing') problem
                ON problem.customer_id = r.customer_id
              ${
                input.historyPerRecipient
                  ? `LEFT JOIN LATERAL (${history} AND m.customer_id = r.customer_id GROUP BY m.customer_id) history ON true`
                  : `LEFT JOIN (${history} GROUP BY m.customer_id) history ON history.customer_id = r.customer_id`
              }
            OFFSET 0) l
        OFFSET 0) g`;
}

function int(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`contact policy: ${value} is not a whole number`);
  return value;
}

function literal(text: string): string {
  if (!/^[A-Za-z0-9_/+-]+$/.test(text)) throw new Error(`contact policy: "${text}" is not a time zone name`);
  return `'${text}'`;
}
