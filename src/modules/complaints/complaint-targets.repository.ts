import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { ComplaintTarget } from './complaint-clock.js';

export interface ComplaintSettingsRow {
  warningPercent: number;
  directorId: string | null;
  version: number;
}

const TARGET_SELECT = `tier, severity, acknowledge_minutes AS "acknowledgeMinutes", resolve_minutes AS "resolveMinutes"`;

/** The complaint targets per tier and severity (R-P2), and the one row of complaint settings. */
@Injectable()
export class ComplaintTargetsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every target (a few dozen rows at most), tiers first and the targets for any other tier last. */
  targets(tx: Tx = this.dataSource.manager): Promise<ComplaintTarget[]> {
    return tx.query(
      `SELECT ${TARGET_SELECT} FROM complaint_targets ORDER BY tier NULLS LAST, array_position(ARRAY['critical','high','normal','low'], severity)`,
    );
  }

  async targetsVersion(tx: Tx = this.dataSource.manager): Promise<number> {
    const [{ version }] = await tx.query(`SELECT coalesce(max(version), 0)::int AS version FROM complaint_targets`);
    return version;
  }

  /** Replaces the whole set under a table lock, so two administrators cannot interleave; returns the version it replaced. */
  async replaceTargets(tx: Tx, targets: ComplaintTarget[]): Promise<number> {
    await tx.query(`LOCK TABLE complaint_targets IN EXCLUSIVE MODE`);
    const version = await this.targetsVersion(tx);
    await tx.query(`DELETE FROM complaint_targets`);
    await tx.query(
      `INSERT INTO complaint_targets (tier, severity, acknowledge_minutes, resolve_minutes, version)
       SELECT tier, severity, acknowledge, resolve, $5 FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS t(tier, severity, acknowledge, resolve)`,
      [
        targets.map((target) => target.tier),
        targets.map((target) => target.severity),
        targets.map((target) => target.acknowledgeMinutes),
        targets.map((target) => target.resolveMinutes),
        version + 1,
      ],
    );
    return version;
  }

  async settings(tx: Tx = this.dataSource.manager, lock = false): Promise<ComplaintSettingsRow> {
    const [row] = await tx.query(
      `SELECT warning_percent AS "warningPercent", director_id AS "directorId", version FROM complaint_settings ${lock ? 'FOR UPDATE' : ''}`,
    );
    return row;
  }

  async updateSettings(
    tx: Tx,
    settings: { warningPercent: number; directorId: string | null },
  ): Promise<ComplaintSettingsRow> {
    const [[row]] = await tx.query(
      `UPDATE complaint_settings SET warning_percent = $1, director_id = $2, version = version + 1, updated_at = now()
       RETURNING warning_percent AS "warningPercent", director_id AS "directorId", version`,
      [settings.warningPercent, settings.directorId],
    );
    return row;
  }
}
