import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The open opportunities' signed contribution to their (pipeline, stage, owner) totals, from a transition table. */
const contributions = (rows: string, sign: '' | '-') =>
  `SELECT pipeline_id, stage_id, owner_id, ${sign}1 AS open_count, ${sign}amount AS amount,
          ${sign}(amount * probability) AS weighted
     FROM ${rows} WHERE status = 'open'`;

/** Adds the contributions to the totals, in key order (so two statements lock shared rows in one order). */
const apply = (...parts: string[]) => `
    INSERT INTO opportunity_pipeline_totals AS total (pipeline_id, stage_id, owner_id, open_count, amount, weighted)
    SELECT pipeline_id, stage_id, owner_id, sum(open_count), sum(amount), sum(weighted)
      FROM (${parts.join(' UNION ALL ')}) AS change
     GROUP BY pipeline_id, stage_id, owner_id
    HAVING sum(open_count) <> 0 OR sum(amount) <> 0 OR sum(weighted) <> 0
     ORDER BY pipeline_id, stage_id, owner_id
    ON CONFLICT (pipeline_id, stage_id, owner_id) DO UPDATE
       SET open_count = total.open_count + excluded.open_count,
           amount = total.amount + excluded.amount,
           weighted = total.weighted + excluded.weighted;`;

/**
 * Sales (R-SP3): the pipeline report reads running totals of open opportunities per (pipeline, stage, owner)
 * instead of scanning them all — a million open opportunities took seconds to aggregate, a few thousand
 * totals take a millisecond. Statement-level triggers keep the totals in the statement that changes the
 * opportunities (created, moved to a stage, re-valued, won or lost, handed over, deleted), exactly:
 * Σ amount × probability is kept whole and divided by 100 when read, as the aggregate did.
 */
export class OpportunityPipelineTotals1765430000001 implements MigrationInterface {
  name = 'OpportunityPipelineTotals1765430000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE opportunity_pipeline_totals (
        pipeline_id uuid NOT NULL,
        stage_id uuid NOT NULL,
        owner_id uuid NOT NULL,
        open_count bigint NOT NULL,
        amount numeric NOT NULL,
        weighted numeric NOT NULL,
        PRIMARY KEY (pipeline_id, stage_id, owner_id)
      )`);
    await db.query(`
      CREATE FUNCTION opportunity_pipeline_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${apply(contributions('new_rows', ''))}
        ELSIF TG_OP = 'DELETE' THEN ${apply(contributions('old_rows', '-'))}
        ELSE ${apply(contributions('new_rows', ''), contributions('old_rows', '-'))}
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER opportunities_totals_insert AFTER INSERT ON opportunities
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_pipeline_totals_apply()`);
    await db.query(`CREATE TRIGGER opportunities_totals_update AFTER UPDATE ON opportunities
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_pipeline_totals_apply()`);
    await db.query(`CREATE TRIGGER opportunities_totals_delete AFTER DELETE ON opportunities
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION opportunity_pipeline_totals_apply()`);
    await db.query(`LOCK TABLE opportunities IN SHARE MODE`);
    await db.query(`
      INSERT INTO opportunity_pipeline_totals (pipeline_id, stage_id, owner_id, open_count, amount, weighted)
      SELECT pipeline_id, stage_id, owner_id, count(*), sum(amount), sum(amount * probability)
        FROM opportunities WHERE status = 'open' GROUP BY pipeline_id, stage_id, owner_id`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const op of ['insert', 'update', 'delete'])
      await db.query(`DROP TRIGGER opportunities_totals_${op} ON opportunities`);
    await db.query(`DROP FUNCTION opportunity_pipeline_totals_apply()`);
    await db.query(`DROP TABLE opportunity_pipeline_totals`);
  }
}
