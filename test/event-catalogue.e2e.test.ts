import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from './support/test-app.js';

describe('event catalogue guard', { timeout: 60_000 }, () => {
  it('fails a test app that leaves an event of an undeclared type in the outbox', async () => {
    const t = await startTestApp();
    await t.db.query(`INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ('customer.renamed_by_nobody', 'customer', '1', '{}')`);
    await assert.rejects(() => t.close(), /customer\.renamed_by_nobody/);
  });
});
