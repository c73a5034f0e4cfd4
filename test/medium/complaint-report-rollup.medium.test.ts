import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { TransactionRunner } from '../../src/infrastructure/database/transaction-runner.js';
import { ComplaintReportReader, type ReportAggregates } from '../../src/modules/complaints/complaint-report-reader.js';
import {
  ComplaintReportRepository,
  REPORT_GROUPS,
  type ReportGroup,
} from '../../src/modules/complaints/complaint-report.repository.js';
import { ComplaintReportRollupsRepository } from '../../src/modules/complaints/complaint-report-rollups.repository.js';
import { RollUpComplaintReport } from '../../src/modules/complaints/roll-up-complaint-report.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

// The complaint report read from its rollup must say what one aggregate over the complaints says:
// counts, shares, targets met, escalations and satisfaction exactly, percentiles within a bucket —
// before the first rollup, after it, with days changed since, and with a change committed while a
// rollup runs.

const TIME_ZONE = 'Asia/Shanghai';
const PERIODS: [string, string][] = [
  ['2026-09-01', '2026-11-30'],
  ['2026-09-17', '2026-10-29'],
  ['2026-10-05', '2026-10-05'],
  ['2025-12-01', '2026-11-30'],
];

describe('the complaint report’s rollup', () => {
  let database: MediumDatabase;
  let reader: ComplaintReportReader;
  let direct: ComplaintReportRepository;
  let rollUp: RollUpComplaintReport;

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    const db = database.dataSource;
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, SERVICE_TIME_ZONE: TIME_ZONE });
    const rollups = new ComplaintReportRollupsRepository(db);
    direct = new ComplaintReportRepository(db);
    reader = new ComplaintReportReader(rollups, direct);
    rollUp = new RollUpComplaintReport(rollups, new TransactionRunner(db), config);
    await db.query(
      `INSERT INTO customers (kind, name, region) SELECT 'individual', '客户' || n, '上海' FROM generate_series(1, 50) n`,
    );
    // 4,000 complaints over three months, with every grouping's null, a few around local midnight.
    await db.query(
      `WITH causes AS (SELECT array_agg(code ORDER BY code) AS codes FROM complaint_root_causes WHERE parent_code IS NOT NULL),
            people AS (SELECT array_agg(id ORDER BY id) AS ids FROM customers)
       INSERT INTO complaints (customer_id, channel, category, severity, subject, product, region, status, received_at, sla_started_at,
                               acknowledge_by, resolve_by, acknowledged_at, acknowledge_due, acknowledge_minutes, root_cause, resolved_at,
                               resolution_minutes, escalation_level, satisfaction_score, created_by_type)
       SELECT people.ids[1 + n % 50], (ARRAY['hotline', 'email', 'web'])[1 + n % 3], (ARRAY['delivery', 'billing'])[1 + n % 2],
              'normal', '投诉', CASE WHEN n % 11 = 0 THEN NULL ELSE '产品 ' || (n % 7) END,
              CASE WHEN n % 13 = 0 THEN NULL ELSE (ARRAY['上海', '北京'])[1 + n % 2] END,
              CASE WHEN n % 5 = 0 THEN 'acknowledged' WHEN n % 9 = 0 THEN 'received' ELSE 'closed' END,
              at, at, at + interval '2 hours', at + interval '1 day',
              CASE WHEN n % 9 = 0 THEN NULL ELSE at + ack * interval '1 minute' END,
              CASE WHEN n % 9 = 0 THEN NULL ELSE at + interval '2 hours' END,
              CASE WHEN n % 9 = 0 THEN NULL ELSE ack END,
              CASE WHEN n % 5 = 0 OR n % 9 = 0 THEN NULL ELSE causes.codes[1 + floor(array_length(causes.codes, 1) * power(random(), 2))::int] END,
              CASE WHEN n % 5 = 0 OR n % 9 = 0 THEN NULL ELSE at + ack * 7 * interval '1 minute' END,
              CASE WHEN n % 5 = 0 OR n % 9 = 0 THEN NULL ELSE ack * 7 END,
              CASE WHEN ack > 120 THEN 1 ELSE 0 END, CASE WHEN n % 3 = 0 THEN 1 + n % 5 END, 'user'
         FROM generate_series(1, 4000) n, causes, people,
              LATERAL (SELECT timestamptz '2026-12-01 00:00+08' - (n % 91) * interval '1 day' + (n % 24) * interval '1 hour' - interval '30 minutes' AS at,
                              (random() * 400)::numeric(8, 3)::float AS ack) sample`,
    );
  }, 120_000);
  afterAll(() => database?.close(), 60_000);

  /** The rollup's answer beside the direct aggregate's, for every grouping and period. */
  async function expectSameAsDirect(): Promise<void> {
    for (const group of REPORT_GROUPS)
      for (const [from, to] of PERIODS) {
        const [rolled, rows, weekly] = await Promise.all([
          reader.read(group, from, to, TIME_ZONE),
          direct.figures(group, from, to, TIME_ZONE),
          direct.weekly(group, from, to, TIME_ZONE),
        ]);
        expectSame(group, from, to, rolled, { rows, weekly });
      }
  }

  function expectSame(group: ReportGroup, from: string, to: string, rolled: ReportAggregates, truth: ReportAggregates) {
    const where = `${group} ${from}…${to}`;
    const byKey = (rows: ReportAggregates['rows']) =>
      new Map(rows.map((row) => [`${row.total}|${row.key}`, row] as const));
    const expected = byKey(truth.rows);
    const actual = byKey(rolled.rows);
    expect({ where, keys: [...actual.keys()].sort() }).toEqual({ where, keys: [...expected.keys()].sort() });
    for (const [id, want] of expected) {
      const got = actual.get(id)!;
      for (const field of ['count', 'acknowledged', 'resolved', 'escalated'] as const)
        expect({ where, id, field, value: got[field] }).toEqual({ where, id, field, value: want[field] });
      for (const field of ['acknowledgedWithinTarget', 'resolvedWithinTarget', 'averageSatisfaction'] as const)
        expect({ where, id, field, value: got[field] }).toEqual({ where, id, field, value: want[field] });
      for (const field of [
        'medianAcknowledgeMinutes',
        'p90AcknowledgeMinutes',
        'medianResolveMinutes',
        'p90ResolveMinutes',
      ] as const) {
        if (want[field] === null) {
          expect({ where, id, field, value: got[field] }).toEqual({ where, id, field, value: null });
          continue;
        }
        const error = Math.abs((got[field] as number) - want[field]);
        expect({ where, id, field, within: error <= Math.max(0.6, 0.03 * want[field]) }).toEqual({
          where,
          id,
          field,
          within: true,
        });
      }
    }
    const weeks = (rows: ReportAggregates['weekly']) =>
      rows.map((row) => `${row.key}|${row.weekStart}|${row.count}`).sort();
    expect({ where, weeks: weeks(rolled.weekly) }).toEqual({ where, weeks: weeks(truth.weekly) });
  }

  const pendingChanges = async () =>
    (await database.dataSource.query(`SELECT count(*)::int AS n FROM complaint_report_changes`))[0].n as number;
  const rolledUpBlocks = async () =>
    (await database.dataSource.query(`SELECT count(*)::int AS n FROM complaint_report_rollups`))[0].n as number;

  it('aggregates the complaints directly until the first rollup', async () => {
    expect(await rolledUpBlocks()).toBe(0);
    await expectSameAsDirect();
  }, 120_000);

  it('rolls up every day and then answers from the blocks alike', async () => {
    expect(await rollUp.execute()).toBeGreaterThanOrEqual(91);
    expect(await pendingChanges()).toBe(0);
    expect(await rolledUpBlocks()).toBeGreaterThan(0);
    await expectSameAsDirect();
  }, 120_000);

  it('counts days changed since the rollup from the complaints themselves, until the next rollup takes them in', async () => {
    const db = database.dataSource;
    await db.query(
      `UPDATE complaints SET acknowledged_at = received_at + interval '10 minutes', acknowledge_due = received_at + interval '2 hours',
              acknowledge_minutes = 10 WHERE acknowledge_minutes IS NULL AND received_at > timestamptz '2026-10-01 00:00+08'`,
    );
    await db.query(
      `UPDATE complaints SET root_cause = 'billing.wrong_invoice' WHERE ctid IN (SELECT ctid FROM complaints WHERE root_cause IS NOT NULL LIMIT 40)`,
    );
    await db.query(
      `UPDATE complaints SET received_at = received_at - interval '3 days' WHERE ctid IN (SELECT ctid FROM complaints LIMIT 25)`,
    );
    await db.query(`DELETE FROM complaints WHERE ctid IN (SELECT ctid FROM complaints WHERE region IS NULL LIMIT 30)`);
    await db.query(
      `UPDATE complaints SET subject = '不影响报表的修改' WHERE ctid IN (SELECT ctid FROM complaints LIMIT 100)`,
    );
    expect(await pendingChanges()).toBeGreaterThan(0);
    await expectSameAsDirect();
    await rollUp.execute();
    expect(await pendingChanges()).toBe(0);
    await expectSameAsDirect();
  }, 120_000);

  it('keeps a change committed while a rollup runs for the next run', async () => {
    const db = database.dataSource;
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(
        `UPDATE complaints SET escalation_level = escalation_level + 1 WHERE ctid IN (SELECT ctid FROM complaints WHERE satisfaction_score IS NOT NULL LIMIT 5)`,
      );
      await db.query(
        `UPDATE complaints SET satisfaction_score = 5 WHERE ctid IN (SELECT ctid FROM complaints WHERE satisfaction_score IS NULL LIMIT 5)`,
      );
      await rollUp.execute();
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await pendingChanges()).toBeGreaterThan(0);
    await expectSameAsDirect();
    await rollUp.execute();
    expect(await pendingChanges()).toBe(0);
    await expectSameAsDirect();
  }, 120_000);
});
