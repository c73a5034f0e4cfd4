import { CONTACT_CHANNELS, type ContactChannel } from './customer-fields.js';

/**
 * SQL the customers module lends to other modules' set-based statements, so that those statements stay
 * one round trip while only this module's files name its tables (test/table-ownership.test.ts). Each
 * fragment is the whole of what another module may do with these tables in SQL; anything else goes
 * through CustomersService or the customers events.
 */

/**
 * Appends one entry per row of `from` to customers' timelines (`customer_timeline_entries`, shown by
 * GET /customers/{id}/timeline): a CTE body for another module's statement, e.g. a service request
 * change with its entry in the same statement. `kind` is the entry's kind (a literal such as
 * 'service_request'); the others are SQL expressions over `from`'s rows.
 */
export function timelineEntriesInsertSql(source: {
  from: string;
  kind: string;
  customerId: string;
  summary: string;
  details: string;
}): string {
  if (!/^[a-z_]+$/.test(source.kind))
    throw new Error(`timeline entry kind "${source.kind}": lower-case words joined by _`);
  return `INSERT INTO customer_timeline_entries (customer_id, kind, summary, details)
         SELECT ${source.customerId}, '${source.kind}', ${source.summary}, ${source.details} FROM ${source.from}`;
}

/** SQL: the birth date's birthday falls on the day `day` (a date expression; 29 February counts on the 28th in other years). */
function isBirthdayOn(birthDate: string, day: string): string {
  const leapYear = `(extract(year FROM ${day})::int % 4 = 0 AND (extract(year FROM ${day})::int % 100 <> 0 OR extract(year FROM ${day})::int % 400 = 0))`;
  return `(to_char(${birthDate}, 'MM-DD') = to_char(${day}, 'MM-DD')
           OR (to_char(${birthDate}, 'MM-DD') = '02-29' AND to_char(${day}, 'MM-DD') = '02-28' AND NOT ${leapYear}))`;
}

/** SQL: the ids (`id`) of the customers, not deleted, whose birthday is on `day` (a date expression, e.g. `$1::date`). */
export function customersWithBirthdayOnSql(day: string): string {
  return `SELECT id FROM customers WHERE deleted_at IS NULL AND birth_date IS NOT NULL AND ${isBirthdayOn('birth_date', day)}`;
}

/** SQL: the customer `customerId` (an expression) is owned by the user `ownerId` (an expression): a salesperson's book. */
export function customerOwnedBySql(customerId: string, ownerId: string): string {
  return `EXISTS (SELECT 1 FROM customers owned WHERE owned.id = ${customerId} AND owned.owner_id = ${ownerId})`;
}

/**
 * SQL: what outreach needs to reach the customers (not deleted) that `condition` selects — a SQL
 * condition over the customer row, alias `c`. One row per customer: `customer_id`, `name`, `gender`,
 * the addresses `email`, `mobile`, `phone` (mobile, else landline), `wechat` (custom field
 * `wechatOpenId`), `owner_id`, `marketing_opt_out`, `time_zone` (custom field `timeZone`, unchecked), and
 * `consents` (jsonb: consent channel → opted in; a channel never asked is absent) — of
 * `consentChannels` only, the ones the caller reads (each is a join: over a million customers a
 * channel nobody consented on still costs a scan of the consents, ~90 ms).
 * The consents are one join per consent channel on the primary key, not an aggregating subquery per
 * customer (~10–35 µs each): the planner hash-joins them over a whole audience and probes the key for
 * a few customers; a query that reads no consents has the joins removed.
 */
export function customerContactsSql(
  condition: string,
  consentChannels: readonly ContactChannel[] = CONTACT_CHANNELS,
): string {
  const channels = CONTACT_CHANNELS.filter((channel) => consentChannels.includes(channel));
  return `SELECT ${contactColumns(channels.map((channel, i) => [channel, `consent${i}.opted_in`]))}
          FROM customers c
          ${channels
            .map(
              (channel, i) =>
                `LEFT JOIN customer_consents consent${i} ON consent${i}.customer_id = c.id AND consent${i}.channel = '${channel}'`,
            )
            .join('\n          ')}
         WHERE c.deleted_at IS NULL AND (${condition})`;
}

/**
 * SQL: the contact row (the columns of `customerContactsSql`) of the one customer `customerId`, an
 * expression over the rows of a LATERAL join's left side; no row when the customer is deleted. For an
 * audience that is a small share of the customers, such as a daily scan's: key lookups — the
 * customer's row and one per consent channel — where a join over the whole table is planned as scans
 * of every customer and every consent (150,000 of 1,000,000 customers with two consent channels: 1.4 s,
 * against 2.8 s for the scans and hash joins). `consents` as in `customerContactsSql`.
 */
export function customerContactOfSql(
  customerId: string,
  consentChannels: readonly ContactChannel[] = CONTACT_CHANNELS,
): string {
  const channels = CONTACT_CHANNELS.filter((channel) => consentChannels.includes(channel));
  // OFFSET 0 keeps the subquery from being pulled up into the outer join, which the planner would hash.
  return `SELECT ${contactColumns(
    channels.map((channel) => [
      channel,
      `(SELECT k.opted_in FROM customer_consents k WHERE k.customer_id = c.id AND k.channel = '${channel}')`,
    ]),
  )}
            FROM customers c WHERE c.id = ${customerId} AND c.deleted_at IS NULL OFFSET 0`;
}

/** The contact columns over the customer row `c`, the consents from `[channel, opted in]` expressions. */
function contactColumns(consents: [ContactChannel, string][]): string {
  return `c.id AS customer_id, c.name, c.gender, c.email, c.mobile, coalesce(c.mobile, c.phone) AS phone,
            c.custom_fields ->> 'wechatOpenId' AS wechat, c.owner_id, c.marketing_opt_out, c.custom_fields ->> 'timeZone' AS time_zone,
            jsonb_strip_nulls(jsonb_build_object(${consents.map(([channel, optedIn]) => `'${channel}', ${optedIn}`).join(', ')})) AS consents`;
}

/** SQL: the ids (`id`) of the customers, not deleted, that `condition` (over the customer row, alias `c`) selects. */
export function customerIdsWhereSql(condition: string): string {
  return `SELECT c.id FROM customers c WHERE c.deleted_at IS NULL AND (${condition})`;
}

/** One of `of` disjoint parts of the customers, numbered from 0: a bulk statement split to run on several connections at once. */
export interface CustomerPart {
  index: number;
  of: number;
}

/**
 * SQL: the customer `customerId` (an expression) falls in `part` — by a hash of the id, so the parts
 * are about equal whatever the ids. True for every customer when there is one part.
 */
export function customerInPartSql(customerId: string, part: CustomerPart | undefined): string {
  if (!part || part.of <= 1) return 'true';
  if (!Number.isInteger(part.index) || !Number.isInteger(part.of) || part.index < 0 || part.index >= part.of)
    throw new Error(`customer part ${part.index} of ${part.of} is not a part`);
  return `(hashtext(${customerId}::text) & 2147483647) % ${part.of} = ${part.index}`;
}

/** The parts 0 … of − 1. */
export function customerParts(of: number): CustomerPart[] {
  return Array.from({ length: Math.max(1, of) }, (_, index) => ({ index, of: Math.max(1, of) }));
}

/**
 * SQL: each customer's last purchase (not refunded), `customer_id` and `last_purchase_at`, for every
 * customer who bought: one pass over the purchases, grouped — for a scan over many customers (a
 * dormancy scan), where probing each customer (`customerPurchasesSql(id, 'last')`) costs a lookup per customer.
 */
export function customersLastPurchaseSql(part?: CustomerPart): string {
  return `SELECT p.customer_id, max(p.purchased_at) AS last_purchase_at FROM purchases p
           WHERE p.refunded_at IS NULL AND ${customerInPartSql('p.customer_id', part)} GROUP BY p.customer_id`;
}

/**
 * SQL over one customer's purchases (not refunded), through `purchases_customer_idx`, for segment
 * filters: `count` and `sum` (of the amount) since `since` (a timestamptz expression, or null for all
 * time), `last` (the newest purchase's time), `product` (a purchase of the product `since` names).
 * Over many customers, totals within a window are cheaper set-based: `customerPurchaseTotalSql`.
 */
export function customerPurchasesSql(
  customerId: string,
  measure: 'count' | 'sum' | 'last' | 'product',
  argument: string | null = null,
): string {
  const from = `FROM purchases p WHERE p.customer_id = ${customerId} AND p.refunded_at IS NULL`;
  const since = argument ? ` AND p.purchased_at >= ${argument}` : '';
  switch (measure) {
    case 'count':
      return `(SELECT count(*) ${from}${since})`;
    case 'sum':
      return `(SELECT coalesce(sum(p.amount), 0) ${from}${since})`;
    case 'last':
      return `(SELECT max(p.purchased_at) ${from})`;
    case 'product':
      return `EXISTS (SELECT 1 ${from} AND p.product = ${argument})`;
  }
}

/**
 * SQL: a condition that holds for the customer `customerId` (an expression) when the count or the sum
 * (of the amount) of their purchases, not refunded, made at or after `since` (a timestamptz expression,
 * or null for all time) satisfies `holds` (SQL over the total, e.g. `total => \`${total} >= $2\``) —
 * for segment filters over many customers. `zeroHolds` says whether a total of zero satisfies it (a
 * customer with no such purchase then matches).
 *
 * Set-based, not a probe per customer: the totals come from `customer_purchase_months` (kept by
 * triggers on purchases, one row per customer and UTC month) from the month `since` falls in, less
 * that month's purchases made before `since` (`purchases_window_idx`, at most a month of purchases), so
 * the total equals the aggregate over the purchases exactly. The correction is joined to the first
 * month's row only (a customer with such purchases has one), not appended as rows of its own: grouped
 * by the table's own column, the planner knows how many customers the window holds and hash-joins them
 * to the customers it has narrowed, where a union's group count is a guess of 200 and it probed the
 * customers' key once per group.
 */
export function customerPurchaseTotalSql(
  customerId: string,
  measure: 'count' | 'sum',
  since: string | null,
  holds: (total: string) => string,
  zeroHolds: boolean,
): string {
  const column = measure === 'count' ? 'purchases' : 'spend';
  let totals: string;
  if (since === null) {
    totals = `SELECT m.customer_id FROM customer_purchase_months m GROUP BY m.customer_id
               HAVING ${zeroHolds ? 'NOT ' : ''}(${holds(`sum(m.${column})`)})`;
  } else {
    const firstMonth = `date_trunc('month', (${since}) AT TIME ZONE 'UTC')`;
    totals = `SELECT m.customer_id FROM customer_purchase_months m
                LEFT JOIN (SELECT p.customer_id, count(*) AS purchases, sum(p.amount) AS spend FROM purchases p
                            WHERE p.refunded_at IS NULL AND p.purchased_at >= ${firstMonth} AT TIME ZONE 'UTC'
                              AND p.purchased_at < ${since}
                            GROUP BY p.customer_id) before_since
                  ON before_since.customer_id = m.customer_id AND m.month = ${firstMonth}::date
               WHERE m.month >= ${firstMonth}::date
               GROUP BY m.customer_id
              HAVING ${zeroHolds ? 'NOT ' : ''}(${holds(`(sum(m.${column}) - coalesce(sum(before_since.${column}), 0))`)})`;
  }
  return `${zeroHolds ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${totals}) totals WHERE totals.customer_id = ${customerId})`;
}

/**
 * SQL: a FROM item (for a LATERAL join) with one row — `purchases` (count) and `revenue` (sum of the
 * amount) — of the customer's purchases, not refunded, made after `from` and no later than `to`
 * (timestamptz expressions), through `purchases_customer_idx`: campaigns attribute these to a message.
 */
export function customerPurchasesBetweenSql(customerId: string, from: string, to: string): string {
  return `(SELECT count(*)::int AS purchases, coalesce(sum(p.amount), 0) AS revenue FROM purchases p
            WHERE p.customer_id = ${customerId} AND p.refunded_at IS NULL AND p.purchased_at > ${from} AND p.purchased_at <= ${to})`;
}

/** SQL: whether the customer has opted in on the consent channel (an SQL expression). */
export function customerConsentedSql(customerId: string, channel: string): string {
  return `EXISTS (SELECT 1 FROM customer_consents cc WHERE cc.customer_id = ${customerId} AND cc.channel = ${channel} AND cc.opted_in)`;
}

/**
 * SQL: the customer a purchase belongs to now — a merge moves purchases to the survivor — or null when
 * there is no such purchase (an SQL expression; `purchaseId` one too, of type uuid).
 */
export function purchaseCustomerSql(purchaseId: string): string {
  return `(SELECT p.customer_id FROM purchases p WHERE p.id = ${purchaseId})`;
}

/** SQL: whether the purchase was refunded (an SQL expression; false when there is no such purchase). */
export function purchaseRefundedSql(purchaseId: string): string {
  return `EXISTS (SELECT 1 FROM purchases p WHERE p.id = ${purchaseId} AND p.refunded_at IS NOT NULL)`;
}

/**
 * SQL: where a merged customer went — the survivor of its last merge, followed to the end of a chain —
 * or null for one not merged (an SQL expression of type uuid; `customerId` one too).
 */
export function survivorSql(customerId: string): string {
  return `(WITH RECURSIVE chain AS (
     SELECT merged_into_id AS id, 1 AS depth FROM customers WHERE id = ${customerId} AND merged_into_id IS NOT NULL
     UNION ALL
     SELECT c.merged_into_id, chain.depth + 1 FROM chain JOIN customers c ON c.id = chain.id
     WHERE c.merged_into_id IS NOT NULL AND chain.depth < 20
   )
   SELECT id FROM chain ORDER BY depth DESC LIMIT 1)`;
}

/** SQL: the customer, or the survivor its merges lead to if it was merged away (an SQL expression of type uuid). */
export function customerOrSurvivorSql(customerId: string): string {
  return `coalesce(${survivorSql(customerId)}, ${customerId})`;
}
