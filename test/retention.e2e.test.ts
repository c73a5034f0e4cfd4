import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MaintenanceProcessor } from '../src/infrastructure/maintenance/maintenance.processor.js';
import { WebhookRecoveryProcessor } from '../src/modules/webhooks/webhook-recovery.processor.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('history retention', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ OUTBOX_RETENTION_DAYS: '7', WEBHOOK_RETENTION_DAYS: '30' });
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  it('purges published outbox events past the retention, oldest first, and never an unpublished one', async () => {
    const insert = (published: string | null, occurred: string) =>
      t.db.query(
        `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, occurred_at, published_at) VALUES ('test.retention', 'test', $1, '{}', $2, $3) RETURNING id`,
        [randomUUID(), occurred, published],
      );
    const old = await insert('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const stuck = await insert(null, '2026-01-01T00:00:00Z');
    const recent = await insert(new Date().toISOString(), new Date().toISOString());
    const purged = await t.app.get(MaintenanceProcessor).purgeOutbox(7);
    expect(purged).toBe(1); // the old published event, and nothing the application wrote at start-up (all of it recent)
    const left = await t.db.query(`SELECT id FROM outbox WHERE id = ANY($1::bigint[])`, [
      [old.rows[0].id, stuck.rows[0].id, recent.rows[0].id],
    ]);
    expect(left.rows.map((row) => row.id).sort()).toStrictEqual([stuck.rows[0].id, recent.rows[0].id].sort());
  }, 60_000);

  it('purges old webhook events with their deliveries and attempt logs, but not while a delivery is pending', async () => {
    const [endpoint] = (
      await t.db.query(
        `INSERT INTO webhook_endpoints (url, event_types, secret, created_by_type, created_by_id) VALUES ('https://partner.example/hook', '{*}', 'whsec_x', 'user', NULL) RETURNING id`,
      )
    ).rows;
    const event = async (createdAt: string, status: string) => {
      const id = randomUUID();
      await t.db.query(
        `INSERT INTO webhook_events (id, type, occurred_at, data, created_at) VALUES ($1, 'test.retention', $2, '{}', $2)`,
        [id, createdAt],
      );
      const [delivery] = (
        await t.db.query(
          `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, occurred_at, status) VALUES ($1, $2, 'test.retention', $3, $4) RETURNING id`,
          [endpoint.id, id, createdAt, status],
        )
      ).rows;
      await t.db.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, latency_ms, succeeded) VALUES ($1, 12, $2)`,
        [delivery.id, status === 'succeeded'],
      );
      return id;
    };
    const oldDone = await event('2026-01-01T00:00:00Z', 'succeeded');
    const oldPending = await event('2026-01-01T00:00:00Z', 'pending');
    const recent = await event(new Date().toISOString(), 'succeeded');
    await t.app.get(WebhookRecoveryProcessor).purgeHistory();
    const left = await t.db.query(`SELECT id FROM webhook_events WHERE id = ANY($1::uuid[])`, [
      [oldDone, oldPending, recent],
    ]);
    expect(left.rows.map((row) => row.id).sort()).toStrictEqual([oldPending, recent].sort());
    const orphans = await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries d WHERE d.event_id = $1`, [
      oldDone,
    ]);
    expect(orphans.rows[0].n).toBe(0);
  }, 60_000);
});
