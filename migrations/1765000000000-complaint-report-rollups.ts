import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The complaint columns the report reads: a change to any of them makes the complaint's day stale. */
const REPORTED_COLUMNS = [
  'received_at',
  'root_cause',
  'category',
  'product',
  'region',
  'channel',
  'acknowledged_at',
  'acknowledge_due',
  'acknowledge_minutes',
  'resolved_at',
  'resolve_by',
  'resolution_minutes',
  'escalation_level',
  'satisfaction_score',
];

/**
 * The complaint report's rollups (issue 13: the Pareto report over a year of a million complaints in
 * under 300 ms). `complaint_report_rollups` holds, per grouping (dimension) and group (key), the figures of blocks of 2^level
 * days as sums and histograms; `complaint_report_changes` is the log of complaints changed since their
 * day was last rolled up, written by triggers so that no write path (the API, the SLA worker, a bulk
 * fix in SQL) can be missed. A log rather than a set of days: each change has a row of its own, so the
 * rollup job deletes only changes it can see and a change committed while it runs stays for the next run.
 * `complaint_report_rollup_state` says which time zone the days are in; when the configured zone
 * differs, the job rebuilds everything and the report aggregates the complaints meanwhile.
 */
export class ComplaintReportRollups1765000000000 implements MigrationInterface {
  name = 'ComplaintReportRollups1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE complaint_report_rollups (
        dimension text NOT NULL,
        level smallint NOT NULL CHECK (level BETWEEN 0 AND 9),
        block_start date NOT NULL,
        key text,
        count integer NOT NULL,
        acknowledged integer NOT NULL,
        acknowledged_on_time integer NOT NULL,
        acknowledged_timed integer NOT NULL,
        resolved integer NOT NULL,
        resolved_on_time integer NOT NULL,
        resolved_timed integer NOT NULL,
        escalated integer NOT NULL,
        satisfaction_sum bigint NOT NULL,
        satisfaction_count integer NOT NULL,
        acknowledge_minutes jsonb NOT NULL,
        resolve_minutes jsonb NOT NULL
      )`);
    await db.query(`
      CREATE UNIQUE INDEX complaint_report_rollups_block_key
        ON complaint_report_rollups (dimension, level, block_start, key) NULLS NOT DISTINCT`);
    await db.query(
      `CREATE TABLE complaint_report_changes (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL)`,
    );
    await db.query(`CREATE INDEX complaint_report_changes_received_at ON complaint_report_changes (received_at)`);
    await db.query(
      `CREATE TABLE complaint_report_rollup_state (id boolean PRIMARY KEY DEFAULT true CHECK (id), time_zone text)`,
    );
    await db.query(`INSERT INTO complaint_report_rollup_state (time_zone) VALUES (NULL)`);

    // A bulk insert logs one change per quarter hour it touches (every zone's day boundary is on one).
    await db.query(`
      CREATE FUNCTION complaint_report_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO complaint_report_changes (received_at)
        SELECT min(received_at) FROM inserted
         GROUP BY date_trunc('hour', received_at), floor(extract(minute FROM received_at) / 15);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER complaint_report_inserted AFTER INSERT ON complaints
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION complaint_report_inserted()`);
    await db.query(`
      CREATE FUNCTION complaint_report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          INSERT INTO complaint_report_changes (received_at) VALUES (OLD.received_at);
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.received_at IS DISTINCT FROM OLD.received_at THEN
          INSERT INTO complaint_report_changes (received_at) VALUES (NEW.received_at);
        END IF;
        RETURN NULL;
      END $$`);
    const columns = REPORTED_COLUMNS.join(', ');
    await db.query(`
      CREATE TRIGGER complaint_report_changed AFTER UPDATE OF ${columns} ON complaints FOR EACH ROW
        WHEN ((${REPORTED_COLUMNS.map((c) => `OLD.${c}`).join(', ')}) IS DISTINCT FROM (${REPORTED_COLUMNS.map((c) => `NEW.${c}`).join(', ')}))
        EXECUTE FUNCTION complaint_report_changed()`);
    await db.query(`
      CREATE TRIGGER complaint_report_deleted AFTER DELETE ON complaints FOR EACH ROW
        EXECUTE FUNCTION complaint_report_changed()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER complaint_report_deleted ON complaints`);
    await db.query(`DROP TRIGGER complaint_report_changed ON complaints`);
    await db.query(`DROP TRIGGER complaint_report_inserted ON complaints`);
    await db.query(`DROP FUNCTION complaint_report_changed()`);
    await db.query(`DROP FUNCTION complaint_report_inserted()`);
    await db.query(`DROP TABLE complaint_report_rollup_state, complaint_report_changes, complaint_report_rollups`);
  }
}
