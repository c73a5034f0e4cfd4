import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Webhook history past WEBHOOK_RETENTION_DAYS: events with their deliveries and attempt logs. */
@Injectable()
export class WebhookRetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Removes up to `limit` of the oldest events created more than `retentionDays` ago, with their
   * deliveries and attempt logs, in one statement (the foreign keys are checked at its end). An event
   * with a delivery still pending stays until that delivery ends.
   */
  async purgeOlderThan(retentionDays: number, limit: number): Promise<number> {
    const rows = await this.dataSource.query(
      `WITH old AS (
         SELECT e.id FROM webhook_events e
          WHERE e.created_at < now() - make_interval(days => $1)
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
          ORDER BY e.created_at LIMIT $2
       ),
       gone_deliveries AS (SELECT d.id FROM webhook_deliveries d JOIN old ON d.event_id = old.id),
       gone_attempts AS (DELETE FROM webhook_delivery_attempts a USING gone_deliveries g WHERE a.delivery_id = g.id),
       gone AS (DELETE FROM webhook_deliveries d USING gone_deliveries g WHERE d.id = g.id)
       DELETE FROM webhook_events e USING old WHERE e.id = old.id RETURNING 1`,
      [retentionDays, limit],
    );
    return rows.length;
  }
}
