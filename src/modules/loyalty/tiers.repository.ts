import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { rfmScoreSql } from './customer-value.js';
import type { TierDefinitionDto, TierHistoryEntryDto } from './dto/tiers.dto.js';

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
export type CustomerScope = { customerId: string } | { afterId: string | null; upToId: string | null };

const TIER_SELECT = `name, rank, min_score AS "minScore", top_share::float AS "topShare", effective_min_score AS "effectiveMinScore",
  effective_min_monetary::text AS "effectiveMinMonetary",
  earn_multiplier::text AS "earnMultiplier", benefits`;

function scopeSql(scope: CustomerScope, column: string, params: unknown[]): string {
  if ('customerId' in scope) return `${column} = $${params.push(scope.customerId)}`;
  const conditions = ['true'];
  if (scope.afterId) conditions.push(`${column} > $${params.push(scope.afterId)}::uuid`);
  if (scope.upToId) conditions.push(`${column} <= $${params.push(scope.upToId)}::uuid`);
  return conditions.join(' AND ');
}

/**
 * The set-based SQL of customer value and tiers. Each statement works on one customer or one batch of
 * customers by id range (the primary key index), so a full run over millions is a few dozen
 * statements, not millions of ORM saves.
 */
@Injectable()
export class TiersRepository {
  constructor(private readonly dataSource: DataSource) {}

  definitions(tx: Tx = this.dataSource.manager): Promise<TierDefinitionDto[]> {
    return tx.query(`SELECT ${TIER_SELECT} FROM tier_definitions ORDER BY rank`);
  }

  async replaceDefinitions(tx: Tx, tiers: Omit<TierDefinitionDto, 'effectiveMinScore' | 'effectiveMinMonetary'>[]): Promise<void> {
    await tx.query(`DELETE FROM tier_definitions WHERE true`);
    for (const tier of tiers) {
      await tx.query(
        `INSERT INTO tier_definitions (name, rank, min_score, top_share, effective_min_score, earn_multiplier, benefits) VALUES ($1, $2, $3, $4, coalesce($3, 0), $5, $6::jsonb)`,
        [tier.name, tier.rank, tier.minScore, tier.topShare, tier.earnMultiplier, JSON.stringify(tier.benefits)],
      );
    }
  }

  /** The upper id of the batch starting after `afterId`, or null when the rest fits in one batch. */
  async batchUpperBound(afterId: string | null, batchSize: number): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT id FROM customers WHERE ${afterId ? 'id > $2::uuid' : 'true'} ORDER BY id OFFSET $1 - 1 LIMIT 1`,
      afterId ? [batchSize, afterId] : [batchSize],
    );
    return row?.id ?? null;
  }

  /** Recomputes recency, frequency, monetary value and score from the non-refunded purchases in the window. */
  async computeValues(tx: Tx, scope: CustomerScope, windowMonths: number): Promise<number> {
    const params: unknown[] = [windowMonths];
    const [{ count }] = await tx.query(
      `WITH upserted AS (
       INSERT INTO customer_values (customer_id, last_purchase_at, frequency, monetary, score, computed_at)
       SELECT stats.customer_id, stats.last_purchase_at, stats.frequency, stats.monetary,
              ${rfmScoreSql('stats.days_since_last', 'stats.frequency', 'stats.monetary')}, now()
       FROM (
         SELECT c.id AS customer_id, max(p.purchased_at) AS last_purchase_at, count(p.id)::int AS frequency,
                coalesce(sum(p.amount), 0) AS monetary, extract(day FROM now() - max(p.purchased_at))::int AS days_since_last
         FROM customers c
         LEFT JOIN purchases p ON p.customer_id = c.id AND p.refunded_at IS NULL AND p.purchased_at >= now() - make_interval(months => $1)
         WHERE c.deleted_at IS NULL AND ${scopeSql(scope, 'c.id', params)}
         GROUP BY c.id
       ) stats
       ON CONFLICT (customer_id) DO UPDATE SET last_purchase_at = EXCLUDED.last_purchase_at, frequency = EXCLUDED.frequency,
         monetary = EXCLUDED.monetary, score = EXCLUDED.score, computed_at = EXCLUDED.computed_at
       RETURNING 1)
       SELECT count(*)::int AS count FROM upserted`,
      params,
    );
    return count;
  }

  /**
   * Every customer's value in one statement: the purchases are aggregated by one sequential scan and
   * hash aggregate (what the floor of the benchmark does), joined to the customers, and only rows
   * whose value changed are written. Per-batch index lookups over 10 million purchases were 10× slower.
   */
  async computeAllValues(tx: Tx, windowMonths: number): Promise<number> {
    // Enough memory for the hash aggregate over a million customers to stay off disk.
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    const [{ count }] = await tx.query(
      `WITH stats AS (
         SELECT customer_id, max(purchased_at) AS last_purchase_at, count(*)::int AS frequency, sum(amount) AS monetary
         FROM purchases WHERE refunded_at IS NULL AND purchased_at >= now() - make_interval(months => $1)
         GROUP BY customer_id
       ), scored AS (
         SELECT c.id AS customer_id, s.last_purchase_at, coalesce(s.frequency, 0) AS frequency, coalesce(s.monetary, 0) AS monetary,
                extract(day FROM now() - s.last_purchase_at)::int AS days_since_last
         FROM customers c LEFT JOIN stats s ON s.customer_id = c.id
         WHERE c.deleted_at IS NULL
       ), upserted AS (
         INSERT INTO customer_values (customer_id, last_purchase_at, frequency, monetary, score, computed_at)
         SELECT customer_id, last_purchase_at, frequency, monetary, ${rfmScoreSql('days_since_last', 'frequency', 'monetary')}, now() FROM scored
         ON CONFLICT (customer_id) DO UPDATE SET last_purchase_at = EXCLUDED.last_purchase_at, frequency = EXCLUDED.frequency,
           monetary = EXCLUDED.monetary, score = EXCLUDED.score, computed_at = EXCLUDED.computed_at
         WHERE (customer_values.last_purchase_at, customer_values.frequency, customer_values.monetary, customer_values.score)
               IS DISTINCT FROM (EXCLUDED.last_purchase_at, EXCLUDED.frequency, EXCLUDED.monetary, EXCLUDED.score)
         RETURNING 1
       )
       SELECT count(*)::int AS count FROM upserted`,
      [windowMonths],
    );
    return count;
  }

  /**
   * For share tiers, the (score, spending) of the customer at the edge of the share, counting from
   * the best; customers at or above it are in the tier. Threshold tiers keep their score. Thresholds
   * never rise down the ranks.
   */
  async updateShareThresholds(tx: Tx): Promise<void> {
    await tx.query(`
      UPDATE tier_definitions t
      SET effective_min_score = coalesce(t.min_score, edge.score, 16), effective_min_monetary = CASE WHEN t.min_score IS NULL THEN coalesce(edge.monetary, 0) ELSE 0 END,
          updated_at = now()
      FROM tier_definitions d
      LEFT JOIN LATERAL (
        SELECT v.score, v.monetary FROM customer_values v WHERE v.score > 0 AND d.top_share IS NOT NULL
        ORDER BY v.score DESC, v.monetary DESC
        OFFSET greatest(ceil(d.top_share * (SELECT count(*) FROM customer_values WHERE score > 0)) - 1, 0) LIMIT 1
      ) edge ON true
      WHERE d.name = t.name`);
    const tiers: { name: string; score: number; monetary: string }[] = await tx.query(
      `SELECT name, effective_min_score AS score, effective_min_monetary::text AS monetary FROM tier_definitions ORDER BY rank`,
    );
    let ceiling: { score: number; monetary: number } | null = null;
    for (const tier of tiers) {
      const own = { score: tier.score, monetary: Number(tier.monetary) };
      if (ceiling && (own.score > ceiling.score || (own.score === ceiling.score && own.monetary > ceiling.monetary))) {
        await tx.query(`UPDATE tier_definitions SET effective_min_score = $2, effective_min_monetary = $3 WHERE name = $1`, [tier.name, ceiling.score, ceiling.monetary]);
      } else {
        ceiling = own;
      }
    }
  }

  /**
   * Moves customers whose score now places them in another tier, and in the same statement writes a
   * tier-history row and a customer.tier_changed outbox event for each. The rows are locked and
   * re-checked (FOR UPDATE re-reads the newest tier), so two runs at once never apply a change twice.
   */
  async applyTiers(tx: Tx, scope: CustomerScope, cause: string): Promise<number> {
    const params: unknown[] = [cause];
    const [{ changed }] = await tx.query(
      `WITH target AS (
         SELECT v.customer_id, v.score, v.monetary, v.frequency,
                (SELECT t.name FROM tier_definitions t WHERE (v.score, v.monetary) >= (t.effective_min_score, t.effective_min_monetary) ORDER BY t.rank LIMIT 1) AS tier
         FROM customer_values v WHERE ${scopeSql(scope, 'v.customer_id', params)}
       ), moving AS (
         SELECT c.id, c.tier AS old_tier, target.tier AS new_tier, target.score, target.monetary, target.frequency
         FROM customers c JOIN target ON target.customer_id = c.id
         WHERE c.deleted_at IS NULL AND target.tier IS NOT NULL AND c.tier IS DISTINCT FROM target.tier
         FOR UPDATE OF c
       ), moved AS (
         UPDATE customers c SET tier = moving.new_tier, version = c.version + 1, updated_at = now()
         FROM moving WHERE c.id = moving.id AND c.tier IS NOT DISTINCT FROM moving.old_tier
         RETURNING moving.*
       ), history AS (
         INSERT INTO tier_history (customer_id, old_tier, new_tier, score, monetary, frequency, cause)
         SELECT id, old_tier, new_tier, score, monetary, frequency, $1 FROM moved
       ), events AS (
         INSERT INTO outbox (type, aggregate_type, aggregate_id, payload)
         SELECT 'customer.tier_changed', 'customer', id::text,
                jsonb_build_object('customerId', id, 'oldTier', old_tier, 'newTier', new_tier, 'score', score,
                                   'monetary', monetary::text, 'frequency', frequency, 'cause', $1)
         FROM moved
       )
       SELECT count(*)::int AS changed FROM moved`,
      params,
    );
    return changed;
  }

  history(customerId: string): Promise<TierHistoryEntryDto[]> {
    return this.dataSource.query(
      `SELECT id::text AS id, old_tier AS "oldTier", new_tier AS "newTier", score, monetary::text AS monetary, frequency, cause, changed_at AS "changedAt"
       FROM tier_history WHERE customer_id = $1 ORDER BY id DESC LIMIT 200`,
      [customerId],
    );
  }

  async value(customerId: string): Promise<{ score: number; monetary: string; frequency: number; daysSinceLastPurchase: number | null } | null> {
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
      `SELECT c.id AS "customerId", c.name, c.tier, v.score, v.monetary::text AS monetary, v.frequency,
              extract(day FROM now() - v.last_purchase_at)::int AS "daysSinceLastPurchase",
              next.name AS "nextTier", greatest(next.effective_min_score - v.score, 0) AS "scoreGap"
       FROM customers c
       JOIN customer_values v ON v.customer_id = c.id
       JOIN tier_definitions current ON current.name = c.tier
       JOIN tier_definitions next ON next.rank = current.rank - 1
       WHERE c.owner_id = $1 AND c.deleted_at IS NULL AND next.effective_min_score - v.score <= $2
       ORDER BY "scoreGap", v.monetary DESC
       LIMIT $3`,
      [ownerId, maxGap, limit],
    );
  }

  async earnMultiplier(customerId: string, tx: Tx = this.dataSource.manager): Promise<string> {
    const [row] = await tx.query(
      `SELECT t.earn_multiplier::text AS multiplier FROM customers c JOIN tier_definitions t ON t.name = c.tier WHERE c.id = $1`,
      [customerId],
    );
    return row?.multiplier ?? '1.00';
  }
}
