import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What kind of problem: an open complaint, or a service request past a deadline and not yet resolved. */
export type OpenProblemKind = 'complaint' | 'overdue_service_request';

export interface OpenProblemRow {
  kind: OpenProblemKind;
  sourceId: string;
  since: string;
}

/** The customers' open problems (R-P5): complaints keep theirs in their own statements; this adds the overdue service requests. */
@Injectable()
export class OpenProblemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A primary-key range read: the key leads with the customer. Oldest first. */
  forCustomer(customerId: string): Promise<OpenProblemRow[]> {
    return this.dataSource.query(
      `SELECT kind, source_id AS "sourceId", api_timestamp(since) AS since
         FROM customer_open_problems WHERE customer_id = $1 ORDER BY since, kind, source_id`,
      [customerId],
    );
  }

  async add(customerId: string, kind: OpenProblemKind, sourceId: string, since: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO customer_open_problems (customer_id, kind, source_id, since) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [customerId, kind, sourceId, since],
    );
  }

  async remove(customerId: string, kind: OpenProblemKind, sourceId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM customer_open_problems WHERE customer_id = $1 AND kind = $2 AND source_id = $3`,
      [customerId, kind, sourceId],
    );
  }
}
