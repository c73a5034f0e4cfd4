import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Service levels of one tier and severity; shares are 0–1, times in minutes, null when nothing counted. */
export interface ServiceLevelRow {
  tier: string | null;
  severity: string;
  received: number;
  responded: number;
  respondedWithinSla: number | null;
  resolved: number;
  resolvedWithinSla: number | null;
  medianResponseMinutes: number | null;
  p90ResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  p90ResolutionMinutes: number | null;
  averageSatisfaction: number | null;
}

/** Service levels achieved, from the requests received in a period. */
@Injectable()
export class ServiceLevelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async byTierAndSeverity(from: string, to: string): Promise<ServiceLevelRow[]> {
    const rows = await this.dataSource.query(
      `WITH period AS (
         SELECT tier, severity, respond_by, resolve_by, satisfaction_score,
                extract(epoch FROM first_response_at - received_at) / 60 AS response_minutes, first_response_at <= first_response_due AS responded_in_time,
                extract(epoch FROM resolved_at - received_at) / 60 AS resolution_minutes, resolved_at <= resolve_by AS resolved_in_time
           FROM service_requests
          WHERE received_at >= $1::date AND received_at < $2::date + 1
       )
       SELECT tier, severity, count(*)::int AS received,
              count(response_minutes)::int AS responded,
              round(avg(responded_in_time::int), 4)::float AS "respondedWithinSla",
              count(resolution_minutes)::int AS resolved,
              round(avg(resolved_in_time::int), 4)::float AS "resolvedWithinSla",
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY response_minutes)::numeric, 1)::float AS "medianResponseMinutes",
              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY response_minutes)::numeric, 1)::float AS "p90ResponseMinutes",
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_minutes)::numeric, 1)::float AS "medianResolutionMinutes",
              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_minutes)::numeric, 1)::float AS "p90ResolutionMinutes",
              round(avg(satisfaction_score), 2)::float AS "averageSatisfaction"
         FROM period
        GROUP BY tier, severity
        ORDER BY tier NULLS LAST, array_position(ARRAY['critical', 'high', 'normal', 'low'], severity)`,
      [from, to],
    );
    return rows;
  }
}
