/**
 * Customer data benchmarks (issue 17), each beside a bare floor measured in the same run:
 * - the CSV import: rows per second of a whole import — decode, parse, normalise, validate as the API
 *   does, match, insert with events and audit rows, progress — against a server-side `COPY` of the
 *   same rows into a bare table of text columns (target ≥ 0.25×);
 * - the duplicate scan (`GET /customers/duplicates` without a limit) over `--scan-customers`
 *   customers, a tenth of them entered twice (same mobile, the name with a space), against a bare
 *   self-join of the customers table on its mobile column (target < 60 s for 1,000,000);
 * - a saved segment's live count (`GET /segments/{id}/count`, through SegmentsService) over the same
 *   customers — a third of them with a purchase — against the same count written by hand as one raw
 *   statement, each run alternately (target ≤ 1.5× the raw SQL, p95 < 200 ms); for the spend criterion
 *   the raw statement reads the monthly totals as the app does, and the aggregate over the purchases
 *   themselves (per customer, and grouped) is printed beside it.
 *
 *   npm run bench:customer-data -- [--rows 1000000] [--scan-customers 1000000] [--parts import,scan,segments]
 *     [--database-prefix crm_bench_import]
 *   (or BENCH_IMPORT_ROWS, BENCH_SCAN_CUSTOMERS, BENCH_CUSTOMER_DATA_PARTS, BENCH_DATABASE_PREFIX)
 *
 * Runs on a database of its own (created, migrated, dropped), with PROCESS_ROLE=api and a queue
 * prefix of its own: the import is run in this process, not by a worker. Prints the load average
 * beside the figures: the machine is shared.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import { AppConfig, loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { CustomFieldsService } from '../src/modules/customers/custom-fields.service.js';
import { CustomerImportWriter } from '../src/modules/customers/imports/customer-import-writer.js';
import {
  CustomerImportProcessor,
  IMPORT_BATCH_ROWS,
} from '../src/modules/customers/imports/customer-import.processor.js';
import { CustomerImportsRepository } from '../src/modules/customers/imports/customer-imports.repository.js';
import { CustomerImportsService } from '../src/modules/customers/imports/customer-imports.service.js';
import { CustomerDuplicatesRepository } from '../src/modules/customers/merge/customer-duplicates.repository.js';
import { SegmentsService } from '../src/modules/segments/segments.service.js';
import { latencyOf, percentile, roundTenth } from './support.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_IMPORT_ROWS ?? '1000000' },
    'scan-customers': { type: 'string', default: process.env.BENCH_SCAN_CUSTOMERS ?? '1000000' },
    server: { type: 'string', default: process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432' },
    parts: { type: 'string', default: process.env.BENCH_CUSTOMER_DATA_PARTS ?? 'import,scan,segments' },
    // Another name for the run's database, so runs of several people on one server cannot collide.
    'database-prefix': { type: 'string', default: process.env.BENCH_DATABASE_PREFIX ?? 'crm_bench_import' },
  },
});
const PARTS = new Set(args.parts.split(','));
const ROWS = Number(args.rows);
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

function csvFile(dir: string): string {
  const file = path.join(dir, 'customers.csv');
  const lines = ['姓名,手机,电子邮件,出生年月日,住址'];
  for (let n = 0; n < ROWS; n += 1)
    lines.push(
      `客户${n},138${String(n).padStart(8, '0')},c${n}@example.cn,${1950 + (n % 50)}年${1 + (n % 12)}月${1 + (n % 28)}日,浙江省永康市${n}号`,
    );
  writeFileSync(file, '\ufeff' + lines.join('\r\n'));
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return file;
}

/** Seeds the scan's (and the segment count's) customers by SQL (generate_series: the import is measured above). */
async function seedScanCustomers(db: pg.Pool): Promise<void> {
  const customers = Number(args['scan-customers']);
  const twins = Math.floor(customers / 10);
  await db.query(`TRUNCATE customers CASCADE`);
  const started = performance.now();
  await db.query(
    `INSERT INTO customers (kind, name, mobile, email, region, lifecycle_stage)
     SELECT 'individual', '客户' || n, '+86139' || lpad(n::text, 8, '0'), 'c' || n || '@example.cn',
       (ARRAY['浙江', '江苏', '广东', '北京', '上海', '四川', '湖北', '山东', '河南', '福建'])[1 + n % 10],
       (ARRAY['identification', 'development', 'stable', 'decline'])[1 + n % 4]
     FROM generate_series(1, $1) AS n`,
    [customers - twins],
  );
  // A third of the customers bought once in the last two years (for the segment count's spend criterion).
  await db.query(
    `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
     SELECT id, now() - make_interval(days => (hashtext(id::text) & 1023) % 730), '净水器', 10 + (hashtext(id::text) & 1023), 'CNY', 'card'
     FROM customers WHERE hashtext(id::text) % 3 = 0`,
  );
  await db.query(
    `INSERT INTO customers (kind, name, mobile)
     SELECT 'individual', '客户 ' || n, '+86139' || lpad(n::text, 8, '0') FROM generate_series(1, $1) AS n`,
    [twins],
  );
  // Vacuumed as autovacuum leaves a table after a bulk load (the visibility map set, so index-only
  // scans read no heap), for the app's statements and the raw ones alike.
  await db.query(`VACUUM ANALYZE customers`);
  await db.query(`VACUUM ANALYZE purchases`);
  await db.query(`VACUUM ANALYZE customer_purchase_months`);
  console.log(
    `duplicate scan over ${customers.toLocaleString('en')} customers (${twins.toLocaleString('en')} entered twice); seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** The duplicate scan against the bare self-join on mobile, both reading every customer. */
async function duplicateScan(db: pg.Pool, duplicates: CustomerDuplicatesRepository): Promise<void> {
  let started = performance.now();
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM customers a JOIN customers b ON a.mobile = b.mobile AND a.id < b.id
     WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL`,
  );
  const bareMs = performance.now() - started;
  console.log(
    `  bare self-join on mobile      ${(bareMs / 1000).toFixed(1)} s  (${rows[0].n.toLocaleString('en')} pairs)`,
  );
  started = performance.now();
  const pairs = await duplicates.pairs(null, 100_000_000);
  const scanMs = performance.now() - started;
  console.log(
    `  duplicate scan (every pair, scored evidence)  ${(scanMs / 1000).toFixed(1)} s = ${(scanMs / bareMs).toFixed(2)}× the self-join  [${pairs.length.toLocaleString('en')} pairs; target < 60 s]`,
  );
}

/** The window's customers from the monthly totals, exactly as the segment filter reads them (customerPurchaseTotalSql). */
const ROLLUP_SPEND_IN_A_YEAR = `EXISTS (SELECT 1 FROM (
    SELECT m.customer_id FROM customer_purchase_months m
      LEFT JOIN (SELECT p.customer_id, count(*) AS purchases, sum(p.amount) AS spend FROM purchases p
                  WHERE p.refunded_at IS NULL AND p.purchased_at >= date_trunc('month', (now() - interval '365 days') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                    AND p.purchased_at < now() - interval '365 days'
                  GROUP BY p.customer_id) before_since
        ON before_since.customer_id = m.customer_id AND m.month = date_trunc('month', (now() - interval '365 days') AT TIME ZONE 'UTC')::date
     WHERE m.month >= date_trunc('month', (now() - interval '365 days') AT TIME ZONE 'UTC')::date
     GROUP BY m.customer_id
    HAVING sum(m.spend) - coalesce(sum(before_since.spend), 0) >= 500) totals WHERE totals.customer_id = c.id)`;

/**
 * A saved segment's live count through SegmentsService (the segment read, its filter compiled, the
 * count run) against the same count written by hand, alternately, RUNS times each after one warm-up.
 * Each case's first raw statement is the one the ratio is against; the others are printed beside it
 * (for the spend criterion: the aggregate over the purchases themselves, per customer and set-based,
 * which the monthly totals replace) and must count the same customers.
 */
async function segmentCount(db: pg.Pool, segments: SegmentsService): Promise<void> {
  const RUNS = 20;
  const cases: { name: string; filter: object; raws: { name: string; sql: string; params: unknown[] }[] }[] = [
    {
      name: 'two regions, one stage',
      filter: { regions: ['浙江', '江苏'], lifecycleStages: ['stable'] },
      raws: [
        {
          name: 'raw',
          sql: `SELECT count(*)::int AS count FROM customers WHERE deleted_at IS NULL AND region = ANY($1::text[]) AND lifecycle_stage = $2`,
          params: [['浙江', '江苏'], 'stable'],
        },
      ],
    },
    {
      name: 'a region, spend ≥ 500 in a year',
      filter: { regions: ['浙江'], spend: { min: '500', withinDays: 365 } },
      raws: [
        {
          name: 'raw, monthly totals',
          sql: `SELECT count(*)::int AS count FROM customers c WHERE c.deleted_at IS NULL AND c.region = $1 AND ${ROLLUP_SPEND_IN_A_YEAR}`,
          params: ['浙江'],
        },
        {
          name: 'raw, purchases per customer',
          sql: `SELECT count(*)::int AS count FROM customers c WHERE c.deleted_at IS NULL AND c.region = $1
                  AND (SELECT coalesce(sum(p.amount), 0) FROM purchases p
                       WHERE p.customer_id = c.id AND p.refunded_at IS NULL AND p.purchased_at >= now() - interval '365 days') >= 500`,
          params: ['浙江'],
        },
        {
          name: 'raw, purchases grouped',
          sql: `SELECT count(*)::int AS count FROM customers c WHERE c.deleted_at IS NULL AND c.region = $1
                  AND c.id IN (SELECT p.customer_id FROM purchases p WHERE p.refunded_at IS NULL AND p.purchased_at >= now() - interval '365 days'
                               GROUP BY p.customer_id HAVING sum(p.amount) >= 500)`,
          params: ['浙江'],
        },
      ],
    },
  ];
  console.log(
    `segment live count over the same customers; load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  const p50 = (values: number[]) => percentile(values, 0.5);
  const p95 = (values: number[]) => percentile(values, 0.95);
  for (const { name, filter, raws } of cases) {
    const [{ id }] = (
      await db.query(`INSERT INTO segments (name, filter) VALUES ($1, $2::jsonb) RETURNING id`, [
        name,
        JSON.stringify(filter),
      ])
    ).rows;
    const counted = await segments.count(id);
    for (const raw of raws) {
      const expected = (await db.query(raw.sql, raw.params)).rows[0].count;
      if (counted !== expected) throw new Error(`the segment counted ${counted}, the ${raw.name} SQL ${expected}`);
    }
    const service: number[] = [];
    const bare: number[][] = raws.map(() => []);
    for (let run = 0; run < RUNS; run += 1) {
      service.push(await latencyOf(() => segments.count(id)));
      for (const [i, raw] of raws.entries()) bare[i].push(await latencyOf(() => db.query(raw.sql, raw.params)));
    }
    service.sort((x, y) => x - y);
    for (const values of bare) values.sort((x, y) => x - y);
    console.log(
      `  ${name.padEnd(34)} ${counted.toLocaleString('en')} customers: segment p50 ${roundTenth(p50(service))} ms p95 ${roundTenth(p95(service))} ms = ` +
        `${(p50(service) / p50(bare[0])).toFixed(2)}× the ${raws[0].name} SQL (p50)  [target ≤ 1.5×, p95 < 200 ms]; load average ${loadavg()[0].toFixed(1)}`,
    );
    for (const [i, raw] of raws.entries())
      console.log(`    ${raw.name.padEnd(30)} p50 ${roundTenth(p50(bare[i]))} ms p95 ${roundTenth(p95(bare[i]))} ms`);
  }
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const database = `${args['database-prefix']}_${suffix}`;
  const databaseUrl = `${args.server}/${database}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PROCESS_ROLE: 'api',
    QUEUE_PREFIX: `crm-bench-import-${suffix}`,
    LOG_LEVEL: 'error',
  });
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-import-bench-'));
  const file = csvFile(dir);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  try {
    if (PARTS.has('import')) await csvImport(app, db, file);
    if (PARTS.has('scan') || PARTS.has('segments')) await seedScanCustomers(db);
    if (PARTS.has('scan')) await duplicateScan(db, app.get(CustomerDuplicatesRepository));
    if (PARTS.has('segments')) await segmentCount(db, app.get(SegmentsService));
    console.log(
      `  load average after            ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await app.close();
    await db.end();
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: `${args.server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.end());
  }
}

async function csvImport(app: INestApplicationContext, db: pg.Pool, file: string): Promise<void> {
  {
    console.log(
      `customer CSV import, ${ROWS.toLocaleString('en')} rows; load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
    );
    // The floor: the same file, COPY'd by the server into a bare table of text columns.
    await db.query(`CREATE TABLE bare_import (name text, mobile text, email text, birth text, address text)`);
    let started = performance.now();
    await db.query(`COPY bare_import FROM '${file}' WITH (FORMAT csv, HEADER true)`);
    const copyMs = performance.now() - started;
    console.log(
      `  COPY into a bare table        ${rate(ROWS, copyMs).toLocaleString('en')} rows/s  (${(copyMs / 1000).toFixed(1)} s)`,
    );

    const service = app.get(CustomerImportsService);
    const processor = new CustomerImportProcessor(
      null as never, // the queue is only for the recovery sweep, not used here
      app.get(CustomerImportsRepository),
      app.get(CustomerImportWriter),
      app.get(CustomFieldsService),
      app.get(AppConfig),
    );
    started = performance.now();
    const stream = createReadStream(file);
    const created = await service.start(
      { filename: 'customers.csv', stream, truncated: () => false },
      { onMatch: 'skip', dryRun: false, mapping: {}, ownerId: null },
      {
        kind: 'user',
        id: '00000000-0000-4000-8000-000000000000',
        roles: ['admin'],
        email: 'bench@local',
        name: 'bench',
      },
    );
    const uploadMs = performance.now() - started;
    started = performance.now();
    await processor.run(created.id, () => Promise.resolve());
    const importMs = performance.now() - started;
    const outcome = await service.get(created.id);
    console.log(
      `  import (upload ${(uploadMs / 1000).toFixed(1)} s, then run)  ${rate(ROWS, importMs).toLocaleString('en')} rows/s  (${(importMs / 1000).toFixed(1)} s)` +
        `  = ${(copyMs / importMs).toFixed(3)}× COPY  [created ${outcome.counts.created.toLocaleString('en')}, rejected ${outcome.counts.rejected}]`,
    );

    // A floor that does the import's database work and nothing else: the COPY above, then the rows written
    // by hand into a table shaped like customers (its indexes, generated search grams and defaults), with a
    // customer.created event and an audit row each, one transaction per IMPORT_BATCH_ROWS rows as the import
    // commits — no validation, normalisation or matching, no progress, no Node in the loop.
    await db.query(`ALTER TABLE bare_import ADD COLUMN n bigserial`);
    await db.query(`CREATE TABLE floor_customers (LIKE customers INCLUDING ALL)`);
    started = performance.now();
    for (let from = 0; from < ROWS; from += IMPORT_BATCH_ROWS)
      await db.query(
        `WITH inserted AS (
           INSERT INTO floor_customers (kind, name, mobile, email, birth_date, home_address)
           SELECT 'individual', name, '+86' || mobile, email, to_date(birth, 'YYYY"年"MM"月"DD"日"'), address
             FROM bare_import WHERE n > $1 AND n <= $2
           RETURNING *
         ), events AS (
           INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane)
           SELECT 'customer.created', 'customer', id::text, jsonb_build_object('customer', to_jsonb(inserted) - 'search_grams'), 'bulk'
             FROM inserted
         )
         INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, after, request_id)
         SELECT 'user', 'bench', 'customer.imported', 'customer', id::text, jsonb_build_object('line', 0), 'bench' FROM inserted`,
        [from, from + IMPORT_BATCH_ROWS],
      );
    const floorMs = copyMs + (performance.now() - started);
    console.log(
      `  the same writes by hand        ${rate(ROWS, floorMs).toLocaleString('en')} rows/s  (${(floorMs / 1000).toFixed(1)} s, the COPY included)` +
        `  → import = ${(floorMs / importMs).toFixed(3)}× the same writes by hand`,
    );
  }
}

await main();
