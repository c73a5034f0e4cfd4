import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sales (R-SP6): the one price list, discount limits per role, and quotes with their lines and versions. */
export class SalesPriceListQuotes1764400000001 implements MigrationInterface {
  name = 'SalesPriceListQuotes1764400000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 50),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
        list_price numeric(14, 2) NOT NULL CHECK (list_price >= 0),
        currency char(3) NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX products_created_idx ON products (created_at DESC, id DESC)`);

    // The largest line discount a role may give without approval; a quote beyond it waits for a manager.
    await db.query(`
      CREATE TABLE discount_limits (
        role text PRIMARY KEY CHECK (role IN ('sales', 'manager')),
        max_percent numeric(5, 2) NOT NULL CHECK (max_percent BETWEEN 0 AND 100),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`INSERT INTO discount_limits (role, max_percent) VALUES ('sales', 10), ('manager', 25)`);

    await db.query(`CREATE SEQUENCE quote_number_seq START 100001`);
    await db.query(`
      CREATE TABLE quotes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL,
        revision integer NOT NULL DEFAULT 1 CHECK (revision > 0),
        supersedes_id uuid REFERENCES quotes(id),
        opportunity_id uuid NOT NULL REFERENCES opportunities(id),
        customer_id uuid NOT NULL,
        owner_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'sent', 'superseded')),
        currency char(3) NOT NULL,
        total numeric(14, 2) NOT NULL CHECK (total >= 0),
        max_discount_percent numeric(5, 2) NOT NULL,
        notes text,
        approval_task_id uuid,
        decided_by uuid,
        decision_reason text,
        decided_at timestamptz,
        sent_at timestamptz,
        created_by uuid,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (number, revision),
        CHECK (status <> 'rejected' OR decision_reason IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX quotes_opportunity_idx ON quotes (opportunity_id, created_at DESC)`);
    await db.query(`CREATE INDEX quotes_created_idx ON quotes (created_at DESC, id DESC)`);
    // The hand-over walks a salesperson's quotes not yet sent.
    await db.query(
      `CREATE INDEX quotes_unsent_owner_idx ON quotes (owner_id, id) WHERE status IN ('pending_approval', 'approved', 'rejected')`,
    );
    await db.query(`
      CREATE TABLE quote_lines (
        quote_id uuid NOT NULL REFERENCES quotes(id),
        line_no integer NOT NULL,
        product_id uuid NOT NULL REFERENCES products(id),
        product_code text NOT NULL,
        product_name text NOT NULL,
        unit text NOT NULL,
        quantity numeric(12, 3) NOT NULL CHECK (quantity > 0),
        list_price numeric(14, 2) NOT NULL,
        discount_percent numeric(5, 2) NOT NULL CHECK (discount_percent BETWEEN 0 AND 100),
        unit_price numeric(14, 2) NOT NULL,
        line_total numeric(14, 2) NOT NULL,
        PRIMARY KEY (quote_id, line_no)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['quote_lines', 'quotes', 'discount_limits', 'products']) await db.query(`DROP TABLE ${table}`);
    await db.query(`DROP SEQUENCE quote_number_seq`);
  }
}
