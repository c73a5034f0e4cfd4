/**
 * Customer data benchmarks (issue 17), each beside a bare floor measured in the same run:
 * - the CSV import: rows per second of a whole import — decode, parse, normalise, validate as the API
 *   does, match, insert with events and audit rows, progress — against a server-side `COPY` of the
 *   same rows into a bare table of text columns (target ≥ 0.25×);
 * - the duplicate scan (`GET /customers/duplicates` without a limit) over `--scan-customers`
 *   customers, a tenth of them entered twice (same mobile, the name with a space), against a bare
 *   self-join of the customers table on its mobile column (target < 60 s for 1,000,000).
 *
 *   npm run bench:customer-data -- [--rows 1000000] [--scan-customers 1000000]
 *   (or BENCH_IMPORT_ROWS, BENCH_SCAN_CUSTOMERS)
 *
 * Runs on a database of its own (created, migrated, dropped), with PROCESS_ROLE=api and a queue
 * prefix of its own: the import is run in this process, not by a worker. Prints the load average
 * beside the figures: the machine is shared.
 */
import 'reflect-metadata';
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
import { CustomerImportProcessor } from '../src/modules/customers/imports/customer-import.processor.js';
import { CustomerImportsRepository } from '../src/modules/customers/imports/customer-imports.repository.js';
import { CustomerImportsService } from '../src/modules/customers/imports/customer-imports.service.js';
import { CustomerDuplicatesRepository } from '../src/modules/customers/merge/customer-duplicates.repository.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_IMPORT_ROWS ?? '1000000' },
    'scan-customers': { type: 'string', default: process.env.BENCH_SCAN_CUSTOMERS ?? '1000000' },
    server: { type: 'string', default: process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432' },
  },
});
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

/**
 * Seeds the scan's customers by SQL (generate_series: the import is measured above), then times the
 * duplicate scan against the bare self-join on mobile, both reading every customer.
 */
async function duplicateScan(db: pg.Pool, duplicates: CustomerDuplicatesRepository): Promise<void> {
  const customers = Number(args['scan-customers']);
  const twins = Math.floor(customers / 10);
  await db.query(`TRUNCATE customers CASCADE`);
  let started = performance.now();
  await db.query(
    `INSERT INTO customers (kind, name, mobile, email)
     SELECT 'individual', '客户' || n, '+86139' || lpad(n::text, 8, '0'), 'c' || n || '@example.cn'
     FROM generate_series(1, $1) AS n`,
    [customers - twins],
  );
  await db.query(
    `INSERT INTO customers (kind, name, mobile)
     SELECT 'individual', '客户 ' || n, '+86139' || lpad(n::text, 8, '0') FROM generate_series(1, $1) AS n`,
    [twins],
  );
  await db.query(`ANALYZE customers`);
  console.log(
    `duplicate scan over ${customers.toLocaleString('en')} customers (${twins.toLocaleString('en')} entered twice); seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  started = performance.now();
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

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const databaseUrl = `${args.server}/crm_bench_import_${suffix}`;
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
    await duplicateScan(db, app.get(CustomerDuplicatesRepository));
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
    await admin.query(`DROP DATABASE IF EXISTS "crm_bench_import_${suffix}" WITH (FORCE)`).finally(() => admin.end());
  }
}

await main();
