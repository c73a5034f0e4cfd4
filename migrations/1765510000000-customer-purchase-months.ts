import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The month (a date, its first day, in UTC) a purchase counts in: `customerPurchaseWindowSql` cuts windows by the same months. */
const month = (purchasedAt: string) => `(date_trunc('month', ${purchasedAt} AT TIME ZONE 'UTC'))::date`;

/** The purchases' (not refunded) signed contribution to their (customer, month) totals, from a transition table. */
const contributions = (rows: string, sign: '' | '-') =>
  `SELECT customer_id, ${month('purchased_at')} AS month, ${sign}1 AS purchases, ${sign}amount AS spend
     FROM ${rows} WHERE refunded_at IS NULL`;

/** Adds the contributions to the totals, in key order (so two statements lock shared rows in one order). */
const apply = (...parts: string[]) => `
    INSERT INTO customer_purchase_months AS total (customer_id, month, purchases, spend)
    SELECT customer_id, month, sum(purchases), sum(spend)
      FROM (${parts.join(' UNION ALL ')}) AS change
     GROUP BY customer_id, month
    HAVING sum(purchases) <> 0 OR sum(spend) <> 0
     ORDER BY customer_id, month
    ON CONFLICT (customer_id, month) DO UPDATE
       SET purchases = total.purchases + excluded.purchases,
           spend = total.spend + excluded.spend;`;

/** Drops the totals the change left at zero (a customer merged away, a month refunded whole): no row for no purchase. */
const dropEmptied = (rows: string) => `
    DELETE FROM customer_purchase_months total
     USING (SELECT DISTINCT customer_id, ${month('purchased_at')} AS month FROM ${rows} WHERE refunded_at IS NULL) AS change
     WHERE total.customer_id = change.customer_id AND total.month = change.month
       AND total.purchases = 0 AND total.spend = 0;`;

/**
 * Customers (R-C7): each customer's purchases (not refunded) and spend per calendar month (UTC), so a
 * segment's "spend / purchase count within N days" reads a year as at most thirteen small rows per
 * customer, less the first month's purchases made before the window starts (`purchases_window_idx`)
 * — set-based over the window, instead of probing every candidate's purchases (a region's 100,000
 * customers took ~550 ms). Statement-level triggers keep the totals in the statement that changes the
 * purchases (recorded, imported, refunded, edited, moved to a merge survivor and back, deleted, truncated),
 * exactly; a total brought to zero (a month refunded whole, a customer merged away) is deleted, so a
 * customer with no purchase has no row (the merge leaves nothing linked to the duplicate).
 */
export class CustomerPurchaseMonths1765510000000 implements MigrationInterface {
  name = 'CustomerPurchaseMonths1765510000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customer_purchase_months (
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        month date NOT NULL,
        purchases bigint NOT NULL,
        spend numeric NOT NULL,
        PRIMARY KEY (customer_id, month)
      )`);
    // A window's months in one index range, read without the table once it is vacuumed.
    await db.query(
      `CREATE INDEX customer_purchase_months_month_idx ON customer_purchase_months (month, customer_id) INCLUDE (purchases, spend)`,
    );
    await db.query(
      `CREATE INDEX purchases_window_idx ON purchases (purchased_at) INCLUDE (customer_id, amount) WHERE refunded_at IS NULL`,
    );
    await db.query(`
      CREATE FUNCTION customer_purchase_months_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${apply(contributions('new_rows', ''))}
        ELSIF TG_OP = 'DELETE' THEN ${apply(contributions('old_rows', '-'))} ${dropEmptied('old_rows')}
        ELSE ${apply(contributions('new_rows', ''), contributions('old_rows', '-'))} ${dropEmptied('old_rows')}
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION customer_purchase_months_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- DELETE, not TRUNCATE: a TRUNCATE customers CASCADE is truncating this table in the same statement.
        DELETE FROM customer_purchase_months;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER purchases_months_insert AFTER INSERT ON purchases
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_purchase_months_apply()`);
    await db.query(`CREATE TRIGGER purchases_months_update AFTER UPDATE ON purchases
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_purchase_months_apply()`);
    await db.query(`CREATE TRIGGER purchases_months_delete AFTER DELETE ON purchases
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_purchase_months_apply()`);
    await db.query(`CREATE TRIGGER purchases_months_truncate AFTER TRUNCATE ON purchases
      FOR EACH STATEMENT EXECUTE FUNCTION customer_purchase_months_truncate()`);
    await db.query(`LOCK TABLE purchases IN SHARE MODE`);
    await db.query(`
      INSERT INTO customer_purchase_months (customer_id, month, purchases, spend)
      SELECT customer_id, ${month('purchased_at')}, count(*), sum(amount)
        FROM purchases WHERE refunded_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const op of ['insert', 'update', 'delete', 'truncate'])
      await db.query(`DROP TRIGGER purchases_months_${op} ON purchases`);
    await db.query(`DROP FUNCTION customer_purchase_months_apply()`);
    await db.query(`DROP FUNCTION customer_purchase_months_truncate()`);
    await db.query(`DROP INDEX purchases_window_idx`);
    await db.query(`DROP TABLE customer_purchase_months`);
  }
}
