import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

/** SQL: the points per whole currency unit now, or null while the settings row does not exist yet (`current` creates it). */
export const POINTS_PER_UNIT_SQL = `(SELECT s.points_per_unit FROM loyalty_settings s WHERE s.id = 1)`;

export interface LoyaltySettingValues {
  pointsPerUnit: number;
  pointsExpireMonths: number;
  birthdayPoints: number;
}

export interface LoyaltySettings extends LoyaltySettingValues {
  version: number;
  updatedAt: string;
  updatedBy: string | null;
}

const COLUMNS = `points_per_unit AS "pointsPerUnit", points_expire_months AS "pointsExpireMonths", birthday_points AS "birthdayPoints",
  version, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt", updated_by AS "updatedBy"`;

/** The single loyalty_settings row (id 1). */
@Injectable()
export class LoyaltySettingsRepository {
  /**
   * The settings, creating the row from the defaults if it does not exist yet. After the first call
   * this is one primary-key read; concurrent first calls both insert-or-skip, then read the winner's row.
   */
  async current(tx: Tx, defaults: LoyaltySettingValues, lock = false): Promise<LoyaltySettings> {
    const read = () => tx.query(`SELECT ${COLUMNS} FROM loyalty_settings WHERE id = 1${lock ? ' FOR UPDATE' : ''}`);
    const [row] = await read();
    if (row) return row;
    await tx.query(
      `INSERT INTO loyalty_settings (id, points_per_unit, points_expire_months, birthday_points) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [defaults.pointsPerUnit, defaults.pointsExpireMonths, defaults.birthdayPoints],
    );
    const [created] = await read();
    return created;
  }

  async update(tx: Tx, values: LoyaltySettingValues, updatedBy: string): Promise<LoyaltySettings> {
    // TypeORM returns [rows, count] for an UPDATE … RETURNING.
    const [rows] = await tx.query(
      `UPDATE loyalty_settings SET points_per_unit = $1, points_expire_months = $2, birthday_points = $3, updated_by = $4,
         version = version + 1, updated_at = now()
       WHERE id = 1 RETURNING ${COLUMNS}`,
      [values.pointsPerUnit, values.pointsExpireMonths, values.birthdayPoints, updatedBy],
    );
    return rows[0];
  }
}
