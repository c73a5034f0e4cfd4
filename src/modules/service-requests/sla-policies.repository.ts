import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { SlaPolicy, SlaTargets, targetsIn } from './service-priority.js';

const SELECT = `tier, severity, first_response_minutes AS "firstResponseMinutes", resolution_minutes AS "resolutionMinutes", warning_percent AS "warningPercent"`;

@Injectable()
export class SlaPoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async all(tx: Tx = this.dataSource.manager): Promise<{ policies: SlaPolicy[]; version: number }> {
    const policies = await this.list(tx);
    const [{ version }] = await tx.query(`SELECT coalesce(max(version), 0)::int AS version FROM sla_policies`);
    return { policies, version };
  }

  /** Every policy (a few dozen rows), tiers first and the policies for any other tier last. */
  list(tx: Tx = this.dataSource.manager): Promise<SlaPolicy[]> {
    return tx.query(
      `SELECT ${SELECT} FROM sla_policies ORDER BY tier NULLS LAST, array_position(ARRAY['critical','high','normal','low'], severity)`,
    );
  }

  /** The tier's policy for the severity, or the policy for any other tier. */
  async targetsFor(tier: string | null, severity: string, tx: Tx = this.dataSource.manager): Promise<SlaTargets> {
    return targetsIn(await this.list(tx), tier, severity);
  }

  async longestFirstResponseMinutes(): Promise<number> {
    const [{ longest }] = await this.dataSource.query(
      `SELECT max(first_response_minutes)::int AS longest FROM sla_policies`,
    );
    return longest;
  }

  /** Replaces the whole set under a table lock, so two administrators cannot interleave. Returns the version it replaced. */
  async replace(tx: Tx, policies: SlaPolicy[]): Promise<number> {
    await tx.query(`LOCK TABLE sla_policies IN EXCLUSIVE MODE`);
    const [{ version }] = await tx.query(`SELECT coalesce(max(version), 0)::int AS version FROM sla_policies`);
    await tx.query(`DELETE FROM sla_policies`);
    const values = policies.flatMap((policy) => [
      policy.tier,
      policy.severity,
      policy.firstResponseMinutes,
      policy.resolutionMinutes,
      policy.warningPercent,
      version + 1,
    ]);
    await tx.query(
      `INSERT INTO sla_policies (tier, severity, first_response_minutes, resolution_minutes, warning_percent, version) VALUES
       ${policies.map((_, index) => `(${[1, 2, 3, 4, 5, 6].map((column) => `$${index * 6 + column}`).join(', ')})`).join(', ')}`,
      values,
    );
    return version;
  }
}
