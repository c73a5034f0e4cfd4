import { describe, expect, it } from '@jest/globals';
import { startTestApp } from './support/test-app.js';

describe('event catalogue guard', () => {
  it('fails a test app that leaves an event of an undeclared type in the outbox', async () => {
    const t = await startTestApp();
    await t.db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ('customer.renamed_by_nobody', 'customer', '1', '{}')`,
    );
    await expect(() => t.close()).rejects.toThrow(/customer\.renamed_by_nobody/);
  }, 60_000);
});
