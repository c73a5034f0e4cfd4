import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Feedback for product improvement (R-O5): surveys (NPS 0–10, CSAT 1–5 and free-text questions,
 * sent through the outreach contact gate) and feedback entries — suggestions and survey answers —
 * linked to a customer, product, purchase or service request, tagged for R&D's report.
 */
export class Feedback1764700000001 implements MigrationInterface {
  name = 'Feedback1764700000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        product_id uuid REFERENCES products(id),
        questions jsonb NOT NULL,
        purpose text NOT NULL DEFAULT 'care' CHECK (purpose IN ('care', 'service', 'marketing')),
        channels text[] NOT NULL CHECK (cardinality(channels) > 0),
        subject text NOT NULL DEFAULT '',
        body text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX surveys_created_idx ON surveys (created_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE feedback_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('suggestion', 'survey_answer')),
        customer_id uuid REFERENCES customers(id),
        product_id uuid REFERENCES products(id),
        purchase_id uuid REFERENCES purchases(id),
        service_request_id uuid REFERENCES service_requests(id),
        survey_id uuid REFERENCES surveys(id),
        answers jsonb NOT NULL DEFAULT '{}',
        nps smallint CHECK (nps BETWEEN 0 AND 10),
        csat smallint CHECK (csat BETWEEN 1 AND 5),
        text text,
        tags text[] NOT NULL DEFAULT '{}',
        recorded_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'survey_answer' OR survey_id IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX feedback_entries_created_idx ON feedback_entries (created_at DESC, id DESC)`);
    // The R&D report per product and period.
    await db.query(`CREATE INDEX feedback_entries_product_idx ON feedback_entries (product_id, created_at)`);
    await db.query(`CREATE INDEX feedback_entries_customer_idx ON feedback_entries (customer_id, created_at DESC)`);
    // One answer per customer per survey.
    await db.query(
      `CREATE UNIQUE INDEX feedback_entries_answer_key ON feedback_entries (survey_id, customer_id) WHERE kind = 'survey_answer' AND customer_id IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE feedback_entries, surveys`);
  }
}
