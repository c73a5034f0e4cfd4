/**
 * Benchmark: complaint intake and the complaint report, each beside a bare baseline in the same run.
 *
 *   npm run bench:complaints -- [--intake 20000] [--concurrency 16] [--complaints 1000000] [--runs 30] [--database-url URL]
 *   (or COMPLAINTS_BENCH_INTAKE / COMPLAINTS_BENCH_ROWS to scale it down)
 *
 * 1. Intake: --intake complaints filed through FileComplaint in process (customer facts, targets and
 *    categories read, deadlines in business hours, then the complaint with its event, timeline entry,
 *    audit row and open problem in one statement), --concurrency in flight; beside the same number of
 *    bare one-row INSERT + COMMIT transactions into a table of its own on a pg pool of the same size.
 *    Target: at least 0.5× the bare rate.
 * 2. Report: --complaints complaints received over the last year (written set-based), the rollup
 *    brought up to date (timed: the catch-up cost of a year), ten complaints more so that today is
 *    read from the complaints as under continuous intake, then GET /reports/complaints?groupBy=rootCause's
 *    service (ComplaintReportService.build: the Pareto table with its figures, the weekly trend, the
 *    labels) --runs times, beside the Pareto table's aggregate as one raw SQL statement over the
 *    complaints run as often. Targets: ≤ 1.5× the raw statement, p95 < 300 ms.
 * Uses its own database (crm_bench_complaints, recreated) and Redis prefix; prints a table and writes
 * bench/results/complaints.json.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import type { Principal } from '../src/common/auth/principal.js';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { figuresSql } from '../src/modules/complaints/complaint-report.repository.js';
import { ComplaintReportService } from '../src/modules/complaints/complaint-report.service.js';
import { FileComplaint } from '../src/modules/complaints/file-complaint.js';
import { RollUpComplaintReport } from '../src/modules/complaints/roll-up-complaint-report.js';
import { latencyOf, percentile, roundTenth, secondsToRun } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    intake: { type: 'string', default: process.env.COMPLAINTS_BENCH_INTAKE ?? '20000' },
    concurrency: { type: 'string', default: '16' },
    complaints: { type: 'string', default: process.env.COMPLAINTS_BENCH_ROWS ?? '1000000' },
    customers: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '30' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench:complaints -- [--intake 20000] [--concurrency 16] [--complaints 1000000] [--customers 20000] [--runs 30] [--database-url URL]',
  );
  process.exit(0);
}
const INTAKE = Number(args.intake);
const CONCURRENCY = Number(args.concurrency);
const COMPLAINTS = Number(args.complaints);
const CUSTOMERS = Number(args.customers);
const RUNS = Number(args.runs);
const INTAKE_ROUNDS = 4;

const server = new URL(
  args['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
server.pathname = '/crm_bench_complaints';
const databaseUrl = server.toString();
const config = loadConfig({
  ...process.env,
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: `bench-complaints-${randomBytes(3).toString('hex')}`,
  LOG_LEVEL: 'warn',
  PROCESS_ROLE: 'api',
  DATABASE_POOL_SIZE: '20',
});

async function prepareDatabase(db: pg.Client): Promise<void> {
  await db.query(
    `INSERT INTO customers (kind, name, region) SELECT 'individual', '投诉客户' || n, (ARRAY['上海', '北京', '广州', '深圳', '杭州'])[1 + n % 5]
       FROM generate_series(1, $1) n`,
    [CUSTOMERS],
  );
  // The baseline's table is an ordinary (logged) one, as the complaints are: a commit into it is durable. The
  // unlogged one is printed beside it for reference — it writes no WAL, so its commits wait for no flush.
  for (const table of ['TABLE bench_bare_rows', 'UNLOGGED TABLE bench_bare_unlogged_rows'])
    await db.query(
      `CREATE ${table} (id bigserial PRIMARY KEY, customer_id uuid, subject text, created_at timestamptz DEFAULT now())`,
    );
  // Set-based as the seed is: what matters is the report over a year of complaints, not how they came in.
  await db.query(
    `WITH causes AS (SELECT array_agg(code ORDER BY code) AS codes FROM complaint_root_causes WHERE parent_code IS NOT NULL),
          people AS (SELECT array_agg(id ORDER BY id) AS ids FROM customers)
     INSERT INTO complaints (customer_id, channel, category, severity, subject, product, region, status, received_at, sla_started_at,
                             acknowledge_by, resolve_by, acknowledged_at, acknowledge_due, acknowledge_minutes, root_cause, resolved_at,
                             resolution_minutes, escalation_level, satisfaction_score, created_by_type)
     SELECT people.ids[1 + ((n::bigint * 7919) % array_length(people.ids, 1))::int],
            (ARRAY['hotline', 'feedback_platform', 'email', 'social_media', 'in_person', 'web', 'api'])[1 + n % 7],
            (ARRAY['product_quality', 'delivery', 'installation', 'staff_attitude', 'billing', 'after_sales', 'other'])[1 + (n / 7) % 7],
            (ARRAY['critical', 'high', 'normal', 'low'])[1 + n % 4], '投诉', '净水器 X' || (n % 9),
            (ARRAY['上海', '北京', '广州', '深圳', '杭州'])[1 + n % 5],
            CASE WHEN n % 10 = 0 THEN 'investigating' ELSE 'closed' END,
            at, at, at + interval '2 hours', at + interval '1 day',
            at + make_interval(mins => ack), at + interval '2 hours', ack,
            -- a skewed distribution of causes, as a Pareto chart expects
            CASE WHEN n % 10 = 0 THEN NULL ELSE causes.codes[1 + floor(array_length(causes.codes, 1) * power(random(), 2))::int] END,
            CASE WHEN n % 10 = 0 THEN NULL ELSE at + make_interval(mins => ack * 6) END,
            CASE WHEN n % 10 = 0 THEN NULL ELSE ack * 6 END,
            CASE WHEN ack > 120 THEN 1 ELSE 0 END,
            CASE WHEN n % 3 = 0 THEN 1 + n % 5 END,
            'user'
       -- random() in a plain select list is drawn per row (in a LATERAL that names no outer column it was drawn once,
       -- which put every complaint of the earlier runs at one instant)
       FROM (SELECT n, now() - random() * interval '364 days' AS at, floor(random() * 180)::int AS ack
               FROM generate_series(1, $1) n) sample, causes, people`,
    [COMPLAINTS],
  );
  await db.query('VACUUM ANALYZE complaints');
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'crm_bench_complaints' AND pid <> pg_backend_pid()`,
  );
  await admin.query(`DROP DATABASE IF EXISTS crm_bench_complaints`);
  await admin.end();
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const seeding = Date.now();
  await prepareDatabase(db);
  console.log(
    `seeded ${COMPLAINTS.toLocaleString('en')} complaints and ${CUSTOMERS.toLocaleString('en')} customers in ${((Date.now() - seeding) / 1000).toFixed(0)} s`,
  );
  const customerIds: string[] = (await db.query(`SELECT id FROM customers ORDER BY id`)).rows.map((row) => row.id);

  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  const bare = new pg.Pool({ connectionString: databaseUrl, max: config.DATABASE_POOL_SIZE });
  try {
    const principal: Principal = { kind: 'api_key', id: 'bench', scopes: ['complaints:write'], name: 'bench' };
    const fileComplaint = app.get(FileComplaint);
    const fileOne = async (index: number) => {
      await fileComplaint.execute(
        {
          customerId: customerIds[index % customerIds.length],
          category: 'product_quality',
          severity: 'normal',
          subject: '出水有异味',
          channel: 'feedback_platform',
        },
        principal,
        `bench-${index}`,
      );
    };
    const insertBareOne = (table: string) => async (index: number) => {
      const client = await bare.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (customer_id, subject) VALUES ($1, $2)`, [
          customerIds[index % customerIds.length],
          '出水有异味',
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    // The seed's gigabyte of WAL is flushed first, so the checkpoint it triggers does not land on one side;
    // then the two alternate in rounds, so whatever else the machine does hits both alike.
    await db.query('CHECKPOINT');
    const appIntake = { seconds: 0, wal: noWal() };
    const bareIntake = { seconds: 0, wal: noWal() };
    const unloggedIntake = { seconds: 0, wal: noWal() };
    const perRound = Math.ceil(INTAKE / INTAKE_ROUNDS);
    for (let round = 0; round < INTAKE_ROUNDS; round += 1) {
      const offset = round * perRound;
      for (const [side, task] of [
        [appIntake, fileOne],
        [bareIntake, insertBareOne('bench_bare_rows')],
        [unloggedIntake, insertBareOne('bench_bare_unlogged_rows')],
      ] as const) {
        const before = await walCounters(db);
        side.seconds += await timed(perRound, (index) => task(offset + index));
        side.wal = addWal(side.wal, diffWal(await walCounters(db), before));
      }
    }
    const intakeCount = perRound * INTAKE_ROUNDS;

    // The rollup catching up on the whole year (the seed went in set-based, logged by the insert trigger),
    // then a few complaints more, so today is changed since the rollup as under continuous intake and the
    // report sums today from the complaints themselves, as it would in production.
    const rollUp = app.get(RollUpComplaintReport);
    const rollingUp = performance.now();
    let daysRolledUp = 0;
    for (let days = -1; days !== 0; daysRolledUp += days) days = await rollUp.execute(3_600_000);
    const rollUpSeconds = (performance.now() - rollingUp) / 1000;
    // what autovacuum does after a catch-up deleted the year's change log, done now rather than whenever it wakes
    await db.query('VACUUM ANALYZE complaint_report_changes, complaint_report_rollups');
    console.log(
      `rolled up ${daysRolledUp} days of ${COMPLAINTS.toLocaleString('en')} complaints in ${rollUpSeconds.toFixed(1)} s`,
    );
    await timed(10, async (index) => {
      await fileComplaint.execute(
        {
          customerId: customerIds[index],
          category: 'delivery',
          severity: 'normal',
          subject: '配送延误',
          channel: 'hotline',
        },
        principal,
        `bench-stale-${index}`,
      );
    });

    const reports = app.get(ComplaintReportService);
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
    const raw = () => bare.query(figuresSql('rootCause'), [from, today, config.SERVICE_TIME_ZONE]);
    const report = () => reports.build({ from, to: today, groupBy: 'rootCause' });
    await raw();
    await report(); // warm both
    const appLatency: number[] = [];
    const rawLatency: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      // Interleaved, so a burst of load on the shared machine hits both alike.
      rawLatency.push(await latencyOf(raw));
      appLatency.push(await latencyOf(report));
    }
    const [appSorted, rawSorted] = [appLatency, rawLatency].map((values) => [...values].sort((a, b) => a - b));
    const results = {
      date: new Date().toISOString(),
      loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
      intake: {
        complaints: intakeCount,
        concurrency: CONCURRENCY,
        rounds: INTAKE_ROUNDS,
        appPerSecond: Math.round(intakeCount / appIntake.seconds),
        barePerSecond: Math.round(intakeCount / bareIntake.seconds),
        ratio: Number((bareIntake.seconds / appIntake.seconds).toFixed(2)),
        unloggedPerSecond: Math.round(intakeCount / unloggedIntake.seconds),
        ratioToUnlogged: Number((unloggedIntake.seconds / appIntake.seconds).toFixed(2)),
        walPerRow: {
          app: perRow(appIntake.wal, intakeCount),
          bare: perRow(bareIntake.wal, intakeCount),
          unlogged: perRow(unloggedIntake.wal, intakeCount),
        },
        target: '≥ 0.5× the bare insert + commit',
      },
      report: {
        complaints: COMPLAINTS,
        rollUpSeconds: Number(rollUpSeconds.toFixed(1)),
        daysRolledUp,
        runs: RUNS,
        appP50Ms: roundTenth(percentile(appSorted, 0.5)),
        appP95Ms: roundTenth(percentile(appSorted, 0.95)),
        rawP50Ms: roundTenth(percentile(rawSorted, 0.5)),
        rawP95Ms: roundTenth(percentile(rawSorted, 0.95)),
        ratio: Number((percentile(appSorted, 0.5) / percentile(rawSorted, 0.5)).toFixed(2)),
        target: '≤ 1.5× the raw statement, p95 < 300 ms',
      },
    };
    console.table({
      intake: {
        app: `${results.intake.appPerSecond}/s`,
        baseline: `${results.intake.barePerSecond}/s`,
        ratio: results.intake.ratio,
        target: '≥ 0.5',
        met: results.intake.ratio >= 0.5,
      },
      'report p50': {
        app: `${results.report.appP50Ms} ms`,
        baseline: `${results.report.rawP50Ms} ms`,
        ratio: results.report.ratio,
        target: '≤ 1.5',
        met: results.report.ratio <= 1.5,
      },
      'report p95': {
        app: `${results.report.appP95Ms} ms`,
        baseline: `${results.report.rawP95Ms} ms`,
        ratio: Number((results.report.appP95Ms / results.report.rawP95Ms).toFixed(2)),
        target: '< 300 ms',
        met: results.report.appP95Ms < 300,
      },
    });
    const wal = Object.entries(results.intake.walPerRow).map(
      ([side, { bytes, records, fullPageImages }]) =>
        `${side} ${bytes} bytes (${records} records, ${fullPageImages} full-page images)`,
    );
    console.log(`WAL per intake: ${wal.join(', ')}`);
    console.log(
      `bare insert into an unlogged table (no WAL, no flush at commit), for reference: ${results.intake.unloggedPerSecond}/s, app / unlogged ${results.intake.ratioToUnlogged}`,
    );
    console.log(`load average ${results.loadAverage.join(' ')}`);
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/complaints.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await app.close();
    await bare.end();
    await db.end();
  }
}

interface WalCounters {
  records: number;
  fullPageImages: number;
  bytes: number;
}
const noWal = (): WalCounters => ({ records: 0, fullPageImages: 0, bytes: 0 });
const addWal = (a: WalCounters, b: WalCounters): WalCounters => ({
  records: a.records + b.records,
  fullPageImages: a.fullPageImages + b.fullPageImages,
  bytes: a.bytes + b.bytes,
});
const diffWal = (after: WalCounters, before: WalCounters): WalCounters => ({
  records: after.records - before.records,
  fullPageImages: after.fullPageImages - before.fullPageImages,
  bytes: after.bytes - before.bytes,
});
const perRow = (wal: WalCounters, rows: number): WalCounters => ({
  records: roundTenth(wal.records / rows),
  fullPageImages: roundTenth(wal.fullPageImages / rows),
  bytes: Math.round(wal.bytes / rows),
});

/** The server's WAL written so far (every session's: the run is alone on its database server). */
async function walCounters(db: pg.Client): Promise<WalCounters> {
  const { rows } = await db.query(
    `SELECT wal_records::float8 AS records, wal_fpi::float8 AS "fullPageImages", wal_bytes::float8 AS bytes FROM pg_stat_wal`,
  );
  return rows[0];
}

/** Seconds to run `count` tasks, `CONCURRENCY` in flight. */
function timed(count: number, task: (index: number) => Promise<void>): Promise<number> {
  return secondsToRun(count, CONCURRENCY, task);
}

await main();
