import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { CoordinationStore } from './coordination-store.js';

/** Expired windows are swept by the write that finds them this many times in a hundred (they are one row per address or e-mail). */
const SWEEP_PERCENT = 2;

/**
 * The coordination state in the application's Postgres (table coordination_keys), for
 * QUEUE_BACKEND=postgres. Keys carry the QUEUE_PREFIX, as in Redis, so deployments sharing a
 * database keep apart. A window is a row with an expiry: the first attempt after it expired starts a
 * new one, in the same statement, so concurrent attempts never lose a count.
 */
@Injectable()
export class PostgresCoordinationStore extends CoordinationStore {
  readonly healthCheckName = 'queues';

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1 FROM coordination_keys LIMIT 1');
  }

  async countInWindows(keys: string[], windowSeconds: number): Promise<number[]> {
    const rows: { key: string; count: number }[] = await this.dataSource.query(
      `INSERT INTO coordination_keys AS k (key, count, expires_at)
         SELECT key, 1, now() + make_interval(secs => $2) FROM unnest($1::text[]) AS key
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN k.expires_at <= now() THEN 1 ELSE k.count + 1 END,
         expires_at = CASE WHEN k.expires_at <= now() THEN EXCLUDED.expires_at ELSE k.expires_at END
       RETURNING key, count`,
      [keys.map((key) => this.prefixed(key)), windowSeconds],
    );
    if (Math.random() * 100 < SWEEP_PERCENT)
      await this.dataSource.query(`DELETE FROM coordination_keys WHERE expires_at < now() - interval '1 hour'`);
    const counts = new Map(rows.map((row) => [row.key, Number(row.count)]));
    return keys.map((key) => counts.get(this.prefixed(key)) ?? 0);
  }

  async setMarkerIfAbsent(key: string, value: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO coordination_keys (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [this.prefixed(key), value],
    );
    return rows.length === 1;
  }

  async deleteMarker(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM coordination_keys WHERE key = $1`, [this.prefixed(key)]);
  }

  private prefixed(key: string): string {
    return `${this.config.QUEUE_PREFIX}:${key}`;
  }
}
