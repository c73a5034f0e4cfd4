import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OwnerScope } from './sales-access.js';
import { ownerScopeSql } from './sales.sql.js';

/** One grouping of the pipeline report: a stage (ownerId null), an owner's stage, an owner (stageId null), or all. */
export interface PipelineFiguresRow {
  stageId: string | null;
  ownerId: string | null;
  count: number;
  amount: string;
  weightedAmount: string;
}

export interface PerformanceLeadRow {
  ownerId: string;
  leadsAssigned: number;
  contactedWithinDeadline: number;
  converted: number;
}

export interface PerformanceOpportunityRow {
  ownerId: string;
  won: number;
  lost: number;
  revenue: string;
  averageCycleDays: number | null;
}

export interface LeadSourceRow {
  source: string;
  campaignId: string | null;
  leads: number;
  converted: number;
  won: number;
  wonAmount: string;
  attributedPurchases: number;
  attributedAmount: string;
}

/** The sales reports, each one statement over this module's tables. */
@Injectable()
export class ReportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Open opportunities of a pipeline, counted and summed per stage, per owner and stage, per owner and in
   * all (GROUPING SETS) — read from the running totals per (pipeline, stage, owner) that the
   * opportunities' own statements keep (migration OpportunityPipelineTotals), not from the opportunities:
   * a few thousand rows instead of every open opportunity. The weighted amount is Σ amount × probability
   * / 100, rounded once at the end. The grand-total set answers one row even when nothing matches, so its
   * sums are coalesced to 0.
   */
  pipeline(pipelineId: string, scope: OwnerScope): Promise<PipelineFiguresRow[]> {
    const params: unknown[] = [pipelineId];
    const param = (value: unknown) => `$${params.push(value)}`;
    return this.dataSource.query(
      `SELECT stage_id AS "stageId", owner_id AS "ownerId", coalesce(sum(open_count), 0)::int AS count,
              coalesce(sum(amount), 0)::text AS amount, coalesce(round(sum(weighted) / 100, 2), 0)::text AS "weightedAmount"
         FROM opportunity_pipeline_totals
        WHERE open_count > 0 AND pipeline_id = $1 AND ${ownerScopeSql(scope, 'owner_id', param)}
        GROUP BY GROUPING SETS ((stage_id), (owner_id, stage_id), (owner_id), ())`,
      params,
    );
  }

  /** Per owner, the leads that arrived in the period (from, to: calendar days, `to` included). */
  performanceLeads(from: string, to: string, scope: OwnerScope): Promise<PerformanceLeadRow[]> {
    const params: unknown[] = [from, to];
    const param = (value: unknown) => `$${params.push(value)}`;
    return this.dataSource.query(
      `SELECT owner_id AS "ownerId", count(*)::int AS "leadsAssigned",
              count(*) FILTER (WHERE contacted_at <= respond_by)::int AS "contactedWithinDeadline",
              count(*) FILTER (WHERE status = 'converted')::int AS converted
         FROM leads
        WHERE created_at >= $1::date AND created_at < $2::date + 1 AND owner_id IS NOT NULL
          AND ${ownerScopeSql(scope, 'owner_id', param)}
        GROUP BY owner_id`,
      params,
    );
  }

  /** Per owner, the opportunities won or lost in the period. */
  performanceOpportunities(from: string, to: string, scope: OwnerScope): Promise<PerformanceOpportunityRow[]> {
    const params: unknown[] = [from, to];
    const param = (value: unknown) => `$${params.push(value)}`;
    return this.dataSource.query(
      `SELECT owner_id AS "ownerId", count(*) FILTER (WHERE status = 'won')::int AS won,
              count(*) FILTER (WHERE status = 'lost')::int AS lost,
              coalesce(sum(amount) FILTER (WHERE status = 'won'), 0)::text AS revenue,
              round((avg(extract(epoch FROM closed_at - created_at)) FILTER (WHERE status = 'won') / 86400)::numeric, 1)::float8
                AS "averageCycleDays"
         FROM opportunities
        WHERE status <> 'open' AND closed_at >= $1::date AND closed_at < $2::date + 1
          AND ${ownerScopeSql(scope, 'owner_id', param)}
        GROUP BY owner_id`,
      params,
    );
  }

  /** Per source and campaign, the leads that arrived in the period and what became of them. */
  leadSources(from: string, to: string): Promise<LeadSourceRow[]> {
    return this.dataSource.query(
      `SELECT l.source, l.campaign_id AS "campaignId", count(*)::int AS leads,
              count(*) FILTER (WHERE l.status = 'converted')::int AS converted,
              count(o.id) FILTER (WHERE o.status = 'won')::int AS won,
              coalesce(sum(o.amount) FILTER (WHERE o.status = 'won'), 0)::text AS "wonAmount",
              coalesce(sum(a.purchases), 0)::int AS "attributedPurchases",
              coalesce(sum(a.amount), 0)::text AS "attributedAmount"
         FROM leads l
         LEFT JOIN opportunities o ON o.id = l.opportunity_id
         LEFT JOIN LATERAL (
           SELECT count(*) AS purchases, sum(pa.amount) AS amount FROM purchase_attributions pa WHERE pa.opportunity_id = o.id AND pa.refunded_at IS NULL
         ) a ON o.status = 'won'
        WHERE l.created_at >= $1::date AND l.created_at < $2::date + 1
        GROUP BY l.source, l.campaign_id
        ORDER BY l.source, l.campaign_id NULLS FIRST`,
      [from, to],
    );
  }
}
