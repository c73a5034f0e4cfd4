import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { WithCursor } from '../../common/pagination/cursor.js';
import { outboxInsertSql, type OutboxLane } from '../../infrastructure/outbox/outbox.writer.js';
import { rfmScoreSql } from './customer-value.js';
import { LoyaltyEvents } from './loyalty.events.js';
import { customerTierSql } from './loyalty.sql.js';
import { customerOrSurvivorSql } from '../customers/customers.sql.js';

/** SQL: the earn multiplier of the customer's tier as text ('1.00' before their first valuation). `customerId` is an SQL expression. */
export function earnMultiplierSql(customerId: string): string {
  return `coalesce((SELECT t.earn_multiplier::text FROM customer_values v JOIN tier_definitions t ON t.name = v.tier WHERE v.customer_id = ${customerId}), '1.00')`;
}

export interface TierDefinitionRow {
  name: string;
  /** 1 is the top tier. */
  rank: number;
  minScore: number | null;
  topShare: number | null;
  effectiveMinScore: number;
  effectiveMinMonetary: string;
  earnMultiplier: string;
  benefits: string[];
}

export interface TierHistoryRow {
  id: string;
  oldTier: string | null;
  newTier: string;
  score: number;
  monetary: string;
  frequency: number;
  cause: string;
  changedAt: Date;
}

export interface UpsellCandidateRow {
  customerId: string;
  name: string;
  tier: string;
  score: number;
  monetary: string;
  frequency: number;
  daysSinceLastPurchase: number | null;
  nextTier: string;
  scoreGap: number;
}

/** Which customers a statement works on: one, or an id range of a batch (lower exclusive, upper inclusive). */
export type CustomerScope =
  { customerId: string } | { customerIds: string[] } | { afterId: string | null; upToId: string | null };

const TIER_SELECT = `name, rank, min_score AS "minScore", top_share::float AS "topShare", effective_min_score AS "effectiveMinScore",
  effective_min_monetary::text AS "effectiveMinMonetary",
  earn_multiplier::text AS "earnMultiplier", benefits`;

/** TypeORM returns [rows, count] for an UPDATE … RETURNING and the rows for an INSERT … RETURNING. */
function rowCount(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : (result as unknown[]).length;
}

/** Tier changes of one customer's recalculation are ordinary events; a full run's are bulk, relayed after ordinary ones. */
function scopeLane(scope: CustomerScope): OutboxLane {
  return 'customerId' in scope || 'customerIds' in scope ? 'default' : 'bulk';
}

/**
 * SQL: the customer is live (not merged away, erased or deleted). A scalar subquery, not EXISTS, on
 * purpose: the planner keeps it as a per-row primary-key probe run after the cheaper conditions (only
 * for the rows that would change), where a semi-join would read a batch's whole key range of customers.
 */
function liveCustomerSql(customerId: string): string {
  return `coalesce((SELECT live.deleted_at IS NULL FROM customers live WHERE live.id = ${customerId}), false)`;
}

function scopeSql(scope: CustomerScope, column: string, params: unknown[]): string {
  if ('customerId' in scope) return `${column} = $${params.push(scope.customerId)}`;
  if ('customerIds' in scope) return `${column} = ANY($${params.push(scope.customerIds)}::uuid[])`;
  const conditions = ['true'];
  if (scope.afterId) conditions.push(`${column} > $${params.push(scope.afterId)}::uuid`);
  if (scope.upToId) conditions.push(`${column} <= $${params.push(scope.upToId)}::uuid`);
  return conditions.join(' AND ');
}

/**
 * The set-based SQL of customer value and tiers: one statement values everyone, and the tier
 * statement works on one customer or one batch of customers by id range (the primary key index), so
 * a full run over millions is a few dozen statements, not millions of ORM saves.
 */
@Injectable()
export class TiersRepository {
  constructor(private readonly dataSource: DataSource) {}

  definitions(tx: Tx = this.dataSource.manager): Promise<TierDefinitionRow[]> {
    return tx.query(`SELECT ${TIER_SELECT} FROM tier_definitions ORDER BY rank`);
  }

  /** The definitions in rank order and the `statement_timestamp()` of the read (see FreshRead). */
  async definitionsWithReadTime(): Promise<{ definitions: TierDefinitionRow[]; readAt: Date }> {
    const rows: (TierDefinitionRow & { readAt: Date })[] = await this.dataSource.query(
      `SELECT tier.*, statement_timestamp() AS "readAt"
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT ${TIER_SELECT} FROM tier_definitions) tier ON true
        ORDER BY tier.rank`,
    );
    return {
      definitions: rows.filter((row) => row.name !== null).map(({ readAt: _readAt, ...tier }) => tier),
      readAt: rows[0].readAt,
    };
  }

  async replaceDefinitions(
    tx: Tx,
    tiers: Omit<TierDefinitionRow, 'effectiveMinScore' | 'effectiveMinMonetary'>[],
  ): Promise<void> {
    await tx.query(`DELETE FROM tier_definitions WHERE true`);
    for (const tier of tiers) {
      await tx.query(
        `INSERT INTO tier_definitions (name, rank, min_score, top_share, effective_min_score, earn_multiplier, benefits) VALUES ($1, $2, $3, $4, coalesce($3, 0), $5, $6::jsonb)`,
        [tier.name, tier.rank, tier.minScore, tier.topShare, tier.earnMultiplier, JSON.stringify(tier.benefits)],
      );
    }
  }

  /**
   * Customers' recency, frequency, monetary value and score, recomputed from the non-refunded purchases
   * in the window, in one statement — each customer's, or the survivor's its merges lead to if it was
   * merged away (a job queued before a merge values the survivor). For each id given, the id valued;
   * ids whose customer is deleted are missing. Rows are written in customer id order, so two such
   * statements at once lock in the same order.
   */
  async computeValuesOfCustomersOrSurvivors(
    tx: Tx,
    customerIds: string[],
    windowMonths: number,
  ): Promise<Map<string, string>> {
    const rows: { input: string; id: string }[] = await tx.query(
      `WITH input AS (
         SELECT given.id AS input, ${customerOrSurvivorSql('given.id')} AS customer_id FROM unnest($2::uuid[]) given(id)
       ), upserted AS (
         INSERT INTO customer_values (customer_id, last_purchase_at, frequency, monetary, score, computed_at)
         SELECT stats.customer_id, stats.last_purchase_at, stats.frequency, stats.monetary,
                ${rfmScoreSql('stats.days_since_last', 'stats.frequency', 'stats.monetary')}, statement_timestamp()
         FROM (
           SELECT c.id AS customer_id, max(p.purchased_at) AS last_purchase_at, count(p.id)::int AS frequency,
                  coalesce(sum(p.amount), 0) AS monetary, extract(day FROM now() - max(p.purchased_at))::int AS days_since_last
           FROM customers c
           LEFT JOIN purchases p ON p.customer_id = c.id AND p.refunded_at IS NULL AND p.purchased_at >= now() - make_interval(months => $1)
           WHERE c.deleted_at IS NULL AND c.id IN (SELECT customer_id FROM input)
           GROUP BY c.id
           ORDER BY c.id
         ) stats
         ON CONFLICT (customer_id) DO UPDATE SET last_purchase_at = EXCLUDED.last_purchase_at, frequency = EXCLUDED.frequency,
           monetary = EXCLUDED.monetary, score = EXCLUDED.score, computed_at = EXCLUDED.computed_at
         RETURNING customer_id
       )
       SELECT input.input::text AS input, input.customer_id::text AS id FROM input JOIN upserted USING (customer_id)`,
      [windowMonths, customerIds],
    );
    return new Map(rows.map((row) => [row.input, row.id]));
  }

  /**
   * Every customer's value, set-based. The purchases are aggregated by one sequential scan and hash
   * aggregate (what the floor of the benchmark does) and hash-joined to the stored values; only the
   * rows whose value differs are kept (a temporary table), written, and customers with purchases but
   * no value row yet are added.
   *
   * A row written since this transaction began (now(), just before the snapshot the changes were
   * read in) came from a per-customer recalculation that may have seen a newer purchase: it is left
   * alone, also when the update finds it locked and re-checks it after the other commit.
   *
   * Only live customers are written, as in `computeValuesOfCustomersOrSurvivors`: a customer merged away has no purchases
   * left (the merge moved them to the survivor), so the aggregate would zero its value row; the
   * tombstone keeps the row it had, and one never valued gets none.
   */
  async computeAllValues(tx: Tx, windowMonths: number): Promise<number> {
    // Enough memory for the hash aggregate and the join over a million customers to stay off disk;
    // JIT inlining and optimisation cost ~0.4 s here and buy nothing for one pass over the rows.
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    await tx.query(`SET LOCAL jit_inline_above_cost = -1`);
    await tx.query(`SET LOCAL jit_optimize_above_cost = -1`);
    // The score is computed once per customer, over the aggregate, and compared as a column.
    await tx.query(
      `CREATE TEMP TABLE value_changes ON COMMIT DROP AS
       WITH stats AS (
         SELECT customer_id, last_purchase_at, frequency, monetary, ${rfmScoreSql('days_since_last', 'frequency', 'monetary')} AS score
         FROM (
           SELECT customer_id, max(purchased_at) AS last_purchase_at, count(*)::int AS frequency, sum(amount) AS monetary,
                  extract(day FROM now() - max(purchased_at))::int AS days_since_last
           FROM purchases WHERE refunded_at IS NULL AND purchased_at >= now() - make_interval(months => $1)
           GROUP BY customer_id
         ) per_customer
       )
       SELECT coalesce(v.customer_id, s.customer_id) AS customer_id, v.customer_id IS NULL AS missing,
              s.last_purchase_at, coalesce(s.frequency, 0) AS frequency, coalesce(s.monetary, 0) AS monetary, coalesce(s.score, 0) AS score
       FROM customer_values v FULL JOIN stats s ON s.customer_id = v.customer_id
       WHERE v.customer_id IS NULL
          OR (v.last_purchase_at, v.frequency, v.monetary, v.score) IS DISTINCT FROM (s.last_purchase_at, coalesce(s.frequency, 0), coalesce(s.monetary, 0), coalesce(s.score, 0))`,
      [windowMonths],
    );
    // With real row counts the planner probes the primary key for a night's few thousand changes
    // and hashes only for a first run's million — once it is told that the value rows the aggregate
    // has just joined are in memory (at the default random_page_cost it scanned all million rows to
    // update ten thousand: 390 ms instead of under 200 ms). The same holds for the insert below.
    await tx.query(`ANALYZE value_changes`);
    await tx.query(`SET LOCAL random_page_cost = 1.1`);
    const updated = await tx.query(
      `UPDATE customer_values v
       SET last_purchase_at = c.last_purchase_at, frequency = c.frequency, monetary = c.monetary, score = c.score, computed_at = now()
       FROM value_changes c
       WHERE NOT c.missing AND v.customer_id = c.customer_id AND v.computed_at < now()
         AND (v.last_purchase_at, v.frequency, v.monetary, v.score) IS DISTINCT FROM (c.last_purchase_at, c.frequency, c.monetary, c.score)
         AND ${liveCustomerSql('c.customer_id')}
       RETURNING 1`,
    );
    const inserted = await tx.query(
      `INSERT INTO customer_values (customer_id, last_purchase_at, frequency, monetary, score, computed_at)
       SELECT c.customer_id, c.last_purchase_at, c.frequency, c.monetary, c.score, now()
       FROM value_changes c JOIN customers ON customers.id = c.customer_id AND customers.deleted_at IS NULL
       WHERE c.missing
       ORDER BY c.customer_id -- appends to the primary key index instead of splitting its pages at random
       ON CONFLICT (customer_id) DO NOTHING
       RETURNING 1`,
    );
    return rowCount(updated) + rowCount(inserted);
  }

  /**
   * A zero value row for customers created since `since` (everyone when null) who have none: customers
   * without purchases, whom the aggregate above cannot see. Walks the newest-first customer index.
   */
  async addCustomersWithoutValue(tx: Tx, since: Date | null): Promise<number> {
    const { length } = await tx.query(
      `INSERT INTO customer_values (customer_id, last_purchase_at, frequency, monetary, score, computed_at)
       SELECT c.id, NULL, 0, 0, 0, statement_timestamp() FROM customers c
       WHERE c.deleted_at IS NULL ${since ? 'AND c.created_at >= $1' : ''}
         AND NOT EXISTS (SELECT 1 FROM customer_values v WHERE v.customer_id = c.id)
       ORDER BY c.id
       ON CONFLICT (customer_id) DO NOTHING
       RETURNING 1`,
      since ? [since] : [],
    );
    return length;
  }

  /** A customer's value no longer counts once the customer is deleted (the tier history stays). */
  async forgetValue(customerId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM customer_values WHERE customer_id = $1`, [customerId]);
  }

  /** When the last completed full recalculation started, and a row for this one. */
  async startRecalculation(cause: string): Promise<{ runId: string; lastCompletedStart: Date | null }> {
    const [last] = await this.dataSource.query(
      `SELECT started_at FROM tier_recalculations WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`,
    );
    const [run] = await this.dataSource.query(
      `INSERT INTO tier_recalculations (cause) VALUES ($1) RETURNING id::text AS id`,
      [cause],
    );
    return { runId: run.id, lastCompletedStart: last?.started_at ?? null };
  }

  async finishRecalculation(runId: string, valuesChanged: number, tierChanges: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE tier_recalculations SET finished_at = now(), values_changed = $2, tier_changes = $3 WHERE id = $1`,
      [runId, valuesChanged, tierChanges],
    );
  }

  /**
   * For share tiers, the (score, spending) of the customer at the edge of the share, counting from
   * the best; customers at or above it are in the tier. Threshold tiers keep their score. Thresholds
   * never rise down the ranks. Scores are 0–15, so the edge is found from a histogram of scores (one
   * small hash aggregate) and one bounded sort of the spending within the edge's score, instead of
   * sorting a million customers per tier.
   */
  async updateShareThresholds(tx: Tx): Promise<void> {
    // Room to keep the top of a bucket in memory (a 50,000-row heap) instead of sorting it on disk.
    await tx.query(`SET LOCAL work_mem = '64MB'`);
    const definitions: { name: string; minScore: number | null; topShare: number | null }[] = await tx.query(
      `SELECT name, min_score AS "minScore", top_share::float AS "topShare" FROM tier_definitions ORDER BY rank`,
    );
    const histogram: { score: number; n: number }[] = definitions.some((tier) => tier.topShare !== null)
      ? await tx.query(
          `SELECT score, count(*)::int AS n FROM customer_values WHERE score > 0 GROUP BY score ORDER BY score DESC`,
        )
      : [];
    const valued = histogram.reduce((sum, bucket) => sum + bucket.n, 0);
    let ceiling: { score: number; monetary: string } | null = null;
    for (const tier of definitions) {
      let own = { score: tier.minScore ?? 0, monetary: '0' };
      if (tier.topShare !== null) {
        own = { score: 16, monetary: '0' }; // nobody, until someone has a value
        const edgeRank = Math.max(Math.ceil(tier.topShare * valued), 1);
        let before = 0;
        for (const bucket of histogram) {
          if (before + bucket.n >= edgeRank) {
            const [edge] = await tx.query(
              // Ordered by the number — an ORDER BY naming the output column would sort the text ('9000'
              // after '10000') — as a float8, which compares three times faster than numeric over a bucket
              // of a few hundred thousand and orders two-decimal amounts alike below 70 trillion (the
              // numeric only breaks the ties above).
              `SELECT v.monetary::text AS monetary FROM customer_values v WHERE v.score = $1 ORDER BY v.monetary::float8 DESC, v.monetary DESC OFFSET $2 LIMIT 1`,
              [bucket.score, edgeRank - before - 1],
            );
            own = { score: bucket.score, monetary: edge.monetary };
            break;
          }
          before += bucket.n;
        }
      }
      if (
        ceiling &&
        (own.score > ceiling.score || (own.score === ceiling.score && Number(own.monetary) > Number(ceiling.monetary)))
      )
        own = ceiling;
      ceiling = own;
      await tx.query(
        `UPDATE tier_definitions SET effective_min_score = $2, effective_min_monetary = $3, updated_at = now() WHERE name = $1`,
        [tier.name, own.score, own.monetary],
      );
    }
  }

  /**
   * Moves the customers whose value now places them in another tier, and in the same statement writes
   * a tier-history row and a customer.tier_changed outbox event for each. The tier is placed by a
   * CASE over the few thresholds in force (best first), so the statement is one pass over the value
   * rows of its scope. Its WHERE is re-checked on a row another transaction changed meanwhile (READ
   * COMMITTED re-evaluates an UPDATE on the newest row version), so two runs at once never apply one
   * change twice and no row needs locking beforehand.
   */
  async applyTiers(tx: Tx, scope: CustomerScope, cause: string): Promise<number> {
    return (await this.moveTiers(tx, scope, cause, false)).changed;
  }

  /** `applyTiers` for these customers (by id): the ids of those whose tier changed. */
  async applyTiersOf(tx: Tx, customerIds: string[], cause: string): Promise<string[]> {
    return (await this.moveTiers(tx, { customerIds }, cause, true)).ids;
  }

  private async moveTiers(
    tx: Tx,
    scope: CustomerScope,
    cause: string,
    returnIds: boolean,
  ): Promise<{ changed: number; ids: string[] }> {
    const params: unknown[] = [cause];
    let placement: string;
    if ('customerId' in scope || 'customerIds' in scope) {
      // A few rows: the thresholds are looked up in the statement itself (the first tier, best first, whose
      // thresholds the value reaches), a read fewer per purchase than fetching them first.
      placement = `(SELECT t.name FROM tier_definitions t
                     WHERE (v.score, v.monetary) >= (t.effective_min_score, t.effective_min_monetary) ORDER BY t.rank LIMIT 1)`;
    } else {
      const thresholds: { name: string; score: number; monetary: string }[] = await tx.query(
        `SELECT name, effective_min_score AS score, effective_min_monetary::text AS monetary FROM tier_definitions ORDER BY rank`,
      );
      if (!thresholds.length) return { changed: 0, ids: [] };
      placement = `CASE ${thresholds
        .map(
          (tier) =>
            `WHEN (v.score, v.monetary) >= ($${params.push(tier.score)}::int, $${params.push(tier.monetary)}::numeric) THEN $${params.push(tier.name)}::text`,
        )
        .join(' ')} END`;
    }
    // Live customers only: a tombstone (merged away, erased) keeps its tier, as its value row, even when
    // the thresholds move.
    const [{ changed, ids }] = await tx.query(
      `WITH moved AS (
         UPDATE customer_values v SET previous_tier = v.tier, tier = ${placement}, tier_changed_at = now()
         WHERE ${scopeSql(scope, 'v.customer_id', params)} AND v.tier IS DISTINCT FROM ${placement} AND ${placement} IS NOT NULL
           AND ${liveCustomerSql('v.customer_id')}
         RETURNING v.customer_id AS id, v.previous_tier AS old_tier, v.tier AS new_tier, v.score, v.monetary, v.frequency
       ), history AS (
         INSERT INTO tier_history (customer_id, old_tier, new_tier, score, monetary, frequency, cause)
         SELECT id, old_tier, new_tier, score, monetary, frequency, $1 FROM moved
       ), events AS (
         ${outboxInsertSql(LoyaltyEvents.tierChanged, {
           from: 'moved',
           aggregateId: 'id',
           payload: {
             customerId: 'id',
             oldTier: 'old_tier',
             newTier: 'new_tier',
             score: 'score',
             monetary: 'monetary::text',
             frequency: 'frequency',
             cause: '$1',
           },
           lane: scopeLane(scope),
         })}
       )
       SELECT count(*)::int AS changed${returnIds ? `, coalesce(array_agg(id::text), '{}') AS ids` : ''} FROM moved`,
      params,
    );
    return { changed, ids: ids ?? [] };
  }

  /** One page of a customer's tier changes, newest first (limit + 1 rows: the extra one tells whether more follow). */
  history(customerId: string, afterId: string | null, limit: number): Promise<WithCursor<TierHistoryRow>[]> {
    const params: unknown[] = [customerId, limit + 1];
    // The table's id, not the text `id` of the select list: '99' sorts after '148' as text.
    const keyset = afterId ? `AND tier_history.id < $${params.push(afterId)}::bigint` : '';
    return this.dataSource.query(
      `SELECT id::text AS id, old_tier AS "oldTier", new_tier AS "newTier", score, monetary::text AS monetary, frequency, cause,
              changed_at AS "changedAt", changed_at::text AS "cursorAt"
       FROM tier_history WHERE customer_id = $1 ${keyset} ORDER BY tier_history.id DESC LIMIT $2`,
      params,
    );
  }

  /** The tier rules one page at a time, top tier first. */
  definitionsPage(afterRank: number | null, limit: number): Promise<TierDefinitionRow[]> {
    const params: unknown[] = [limit + 1];
    const keyset = afterRank === null ? '' : `WHERE rank > $${params.push(afterRank)}`;
    return this.dataSource.query(
      `SELECT ${TIER_SELECT} FROM tier_definitions ${keyset} ORDER BY rank LIMIT $1`,
      params,
    );
  }

  /** The customer's tier, null before their first valuation (read as every module reads it: customerTierSql). */
  async tierOf(customerId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT ${customerTierSql('$1::uuid')} AS tier`, [customerId]);
    return row?.tier ?? null;
  }

  async value(
    customerId: string,
  ): Promise<{ score: number; monetary: string; frequency: number; daysSinceLastPurchase: number | null } | null> {
    const [row] = await this.dataSource.query(
      `SELECT score, monetary::text AS monetary, frequency, extract(day FROM now() - last_purchase_at)::int AS "daysSinceLastPurchase"
       FROM customer_values WHERE customer_id = $1`,
      [customerId],
    );
    return row ?? null;
  }

  /** A salesperson's customers within `maxGap` score points of the next tier up, closest first (R-V4). */
  upsellCandidates(ownerId: string, maxGap: number, limit: number): Promise<UpsellCandidateRow[]> {
    return this.dataSource.query(
      `SELECT c.id AS "customerId", c.name, v.tier, v.score, v.monetary::text AS monetary, v.frequency,
              extract(day FROM now() - v.last_purchase_at)::int AS "daysSinceLastPurchase",
              next.name AS "nextTier", greatest(next.effective_min_score - v.score, 0) AS "scoreGap"
       FROM customers c
       JOIN customer_values v ON v.customer_id = c.id
       JOIN tier_definitions current ON current.name = v.tier
       JOIN tier_definitions next ON next.rank = current.rank - 1
       WHERE c.owner_id = $1 AND c.deleted_at IS NULL AND next.effective_min_score - v.score <= $2
       ORDER BY "scoreGap", v.monetary DESC
       LIMIT $3`,
      [ownerId, maxGap, limit],
    );
  }
}
