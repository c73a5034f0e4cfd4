/**
 * Benchmark: "who is near here on this day?" (GET /sales/nearby's service) over a year of visits,
 * beside the same indexed SQL run raw in the same run.
 *
 *   npm run bench:field-sales -- [--salespeople 10000] [--visits-per-day 5] [--weeks 52] [--queries 2000]
 *                                [--concurrency 8] [--radius-km 30] [--database-url URL]
 *   (or FIELD_SALES_BENCH_SALESPEOPLE / FIELD_SALES_BENCH_WEEKS to scale it down)
 *
 * Seeds --salespeople salespeople, each with an approved plan per week for --weeks weeks and
 * --visits-per-day visits every working day (10,000 × 5 × 5 × 52 ≈ 13M visits), the places scattered
 * within ~50 km of each salesperson's base over eastern China; the past days' visits are checked in.
 * Then --queries nearby questions (a random base, a random working day, --radius-km) through
 * FieldSalesService.nearby (the nearest stops by the GiST indexes, then each one's day for the free
 * windows), --concurrency in flight, beside NEARBY_SQL alone on a pg pool of the same size, prepared as the
 * app prepares it.
 * Targets: p95 < 20 ms, throughput ≥ 0.6× the raw SQL. Uses its own database (crm_bench_field_sales,
 * recreated unless --reuse) and prints a table; writes bench/results/field-sales.json.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { randomBytes, randomUUID } from 'node:crypto';
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
import { FieldSalesService } from '../src/modules/sales/field-sales/field-sales.service.js';
import { NEARBY_SQL } from '../src/modules/sales/field-sales/visits.repository.js';
import { addDays, localDateOf, weekStartOf } from '../src/modules/sales/field-sales/week.js';
import { percentile, runConcurrently } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    salespeople: { type: 'string', default: process.env.FIELD_SALES_BENCH_SALESPEOPLE ?? '10000' },
    'visits-per-day': { type: 'string', default: '5' },
    weeks: { type: 'string', default: process.env.FIELD_SALES_BENCH_WEEKS ?? '52' },
    queries: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    'radius-km': { type: 'string', default: '30' },
    reuse: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench:field-sales -- [--salespeople 10000] [--visits-per-day 5] [--weeks 52] [--queries 2000] [--concurrency 8] [--radius-km 30] [--reuse] [--database-url URL]',
  );
  process.exit(0);
}
const SALESPEOPLE = Number(args.salespeople);
const VISITS_PER_DAY = Number(args['visits-per-day']);
const WEEKS = Number(args.weeks);
const QUERIES = Number(args.queries);
const CONCURRENCY = Number(args.concurrency);
const RADIUS_KM = Number(args['radius-km']);

const server = new URL(
  args['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
server.pathname = '/crm_bench_field_sales';
const databaseUrl = server.toString();
const config = loadConfig({
  ...process.env,
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: `bench-field-sales-${randomBytes(3).toString('hex')}`,
  LOG_LEVEL: 'warn',
  PROCESS_ROLE: 'api',
  DATABASE_POOL_SIZE: String(CONCURRENCY + 2),
});
const today = localDateOf(new Date(), config.SALES_TIME_ZONE);
const firstWeek = addDays(weekStartOf(today), -7 * (WEEKS - 1));

/** A salesperson's base: a deterministic point in eastern China (lat 22–36, lng 108–122). */
const BASE_SQL = (n: string) =>
  `22 + (((${n})::bigint * 7919) % 14000) / 1000.0, 108 + (((${n})::bigint * 104729) % 14000) / 1000.0`;

async function seed(db: pg.Client): Promise<void> {
  await db.query(
    `CREATE TABLE bench_salespeople (n int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(), lat float8, lng float8)`,
  );
  await db.query(
    `INSERT INTO bench_salespeople (n, lat, lng) SELECT n, ${BASE_SQL('n')} FROM generate_series(1, $1) n`,
    [SALESPEOPLE],
  );
  await db.query(
    `INSERT INTO work_plans (owner_id, week_start, status, submitted_at, reviewed_at)
     SELECT s.id, $1::date + 7 * w, 'approved', now(), now() FROM bench_salespeople s, generate_series(0, $2 - 1) w`,
    [firstWeek, WEEKS],
  );
  // The indexes are built once after the rows are in (far faster than maintaining them row by row).
  await db.query(`DROP INDEX work_plan_entries_place_gist, work_plan_entries_check_in_gist, work_plan_entries_plan_idx,
                         work_plan_entries_owner_day_idx, work_plan_entries_customer_idx`);
  for (let week = 0; week < WEEKS; week += 1) {
    const started = Date.now();
    // Places within ±0.45° (≈ 50 km) of the base; past days checked in at the place.
    await db.query(
      `INSERT INTO work_plan_entries (work_plan_id, owner_id, day, position, kind, customer_id, lat, lng, starts_at, ends_at, purpose,
                                      status, checked_in_at, check_in_lat, check_in_lng)
       SELECT p.id, p.owner_id, d.day, v, 'visit', gen_random_uuid(), place.lat, place.lng,
              make_time(9 + v, 0, 0), make_time(9 + v, 45, 0), '拜访',
              CASE WHEN d.day < $3::date THEN 'done' ELSE 'planned' END,
              CASE WHEN d.day < $3::date THEN d.day + make_interval(hours => 1 + v) END,
              CASE WHEN d.day < $3::date THEN place.lat END, CASE WHEN d.day < $3::date THEN place.lng END
         FROM work_plans p JOIN bench_salespeople s ON s.id = p.owner_id,
              LATERAL (SELECT p.week_start + i AS day FROM generate_series(0, 4) i) d,
              generate_series(0, $2 - 1) v,
              LATERAL (SELECT s.lat + (random() - 0.5) * 0.9 AS lat, s.lng + (random() - 0.5) * 0.9 AS lng) place
        WHERE p.week_start = $1::date + 7 * $4`,
      [firstWeek, VISITS_PER_DAY, today, week],
    );
    if (week % 4 === 0) console.log(`  week ${week + 1}/${WEEKS}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const indexing = Date.now();
  // Two connections build the indexes side by side (one per core); each GiST build is single-threaded.
  const second = new pg.Client({ connectionString: databaseUrl });
  await second.connect();
  const build = async (client: pg.Client, statements: string[]) => {
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const statement of statements) await client.query(statement);
  };
  try {
    await Promise.all([
      build(db, [
        `CREATE INDEX work_plan_entries_place_gist ON work_plan_entries USING gist (day, ll_to_earth(lat, lng)) WHERE kind = 'visit'`,
        `CREATE INDEX work_plan_entries_plan_idx ON work_plan_entries (work_plan_id, day, position)`,
        `CREATE INDEX work_plan_entries_customer_idx ON work_plan_entries (customer_id, day DESC) WHERE kind = 'visit'`,
      ]),
      build(second, [
        `CREATE INDEX work_plan_entries_check_in_gist ON work_plan_entries USING gist (day, ll_to_earth(check_in_lat, check_in_lng)) WHERE checked_in_at IS NOT NULL`,
        `CREATE INDEX work_plan_entries_owner_day_idx ON work_plan_entries (owner_id, day)`,
      ]),
    ]);
  } finally {
    await second.end();
  }
  console.log(`  indexes built in ${((Date.now() - indexing) / 1000).toFixed(0)} s`);
  await db.query('VACUUM ANALYZE work_plans');
  await db.query('VACUUM ANALYZE work_plan_entries');
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'crm_bench_field_sales'`)).rowCount;
  if (!args.reuse || !exists) {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'crm_bench_field_sales' AND pid <> pg_backend_pid()`,
    );
    await admin.query(`DROP DATABASE IF EXISTS crm_bench_field_sales`);
  }
  await admin.end();
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  if (!args.reuse || !exists) {
    const seeding = Date.now();
    await seed(db);
    console.log(`seeded in ${((Date.now() - seeding) / 1000).toFixed(0)} s`);
  }
  const visits = Number((await db.query(`SELECT count(*) AS n FROM work_plan_entries`)).rows[0].n);
  const bases: { lat: number; lng: number }[] = (await db.query(`SELECT lat, lng FROM bench_salespeople ORDER BY n`))
    .rows;
  const days: string[] = (
    await db.query(
      `SELECT DISTINCT to_char(week_start + i, 'YYYY-MM-DD') AS day FROM work_plans, generate_series(0, 4) i ORDER BY 1`,
    )
  ).rows.map((row) => row.day);
  const questions = Array.from({ length: QUERIES }, (_, i) => ({
    ...bases[(i * 7919) % bases.length],
    date: days[(i * 104729) % days.length],
  }));

  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  const bare = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  try {
    const nearby = app.get(FieldSalesService);
    // the complaint desk asks about everyone's salespeople, as the raw statement does
    const desk: Principal = { kind: 'user', id: randomUUID(), roles: ['agent'], email: 'desk@bench', name: 'desk' };
    const viaApp = (i: number) =>
      nearby.nearby(
        { lat: questions[i].lat, lng: questions[i].lng, date: questions[i].date, radiusKm: RADIUS_KM, limit: 20 },
        desk,
      );
    const raw = (i: number) =>
      bare.query({
        name: 'nearby',
        text: NEARBY_SQL,
        values: [questions[i].lat, questions[i].lng, questions[i].date, RADIUS_KM * 1000, 20, null],
      });
    // Warm both with every question the runs will ask, so that neither run reads pages the other has not
    // (whether they stay cached depends on shared_buffers: the pages a year of questions touch are GBs).
    await runConcurrently(QUERIES, CONCURRENCY, (i) =>
      viaApp(i)
        .then(() => raw(i))
        .then(() => undefined),
    );
    const found: number[] = [];
    const measure = async (work: (i: number) => Promise<unknown>) => {
      const latencies: number[] = [];
      const started = performance.now();
      await runConcurrently(QUERIES, CONCURRENCY, async (i) => {
        const t0 = performance.now();
        const result = await work(i);
        latencies.push(performance.now() - t0);
        if (result && typeof result === 'object' && 'data' in result)
          found.push((result as { data: unknown[] }).data.length);
      });
      return { seconds: (performance.now() - started) / 1000, sorted: latencies.sort((a, b) => a - b) };
    };
    const rawRun = await measure(raw);
    const appRun = await measure(viaApp);
    const results = {
      date: new Date().toISOString(),
      loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
      salespeople: SALESPEOPLE,
      visits,
      days: days.length,
      radiusKm: RADIUS_KM,
      queries: QUERIES,
      concurrency: CONCURRENCY,
      meanSalespeopleFound: Number((found.reduce((a, b) => a + b, 0) / Math.max(1, found.length)).toFixed(1)),
      appPerSecond: Math.round(QUERIES / appRun.seconds),
      rawPerSecond: Math.round(QUERIES / rawRun.seconds),
      ratio: Number((rawRun.seconds / appRun.seconds).toFixed(2)),
      appP50Ms: round(percentile(appRun.sorted, 0.5)),
      appP95Ms: round(percentile(appRun.sorted, 0.95)),
      rawP50Ms: round(percentile(rawRun.sorted, 0.5)),
      rawP95Ms: round(percentile(rawRun.sorted, 0.95)),
      target: 'p95 < 20 ms, throughput ≥ 0.6× the raw indexed SQL',
    };
    console.table({
      'nearby throughput': {
        app: `${results.appPerSecond}/s`,
        baseline: `${results.rawPerSecond}/s`,
        ratio: results.ratio,
        target: '≥ 0.6',
        met: results.ratio >= 0.6,
      },
      'nearby p95': {
        app: `${results.appP95Ms} ms`,
        baseline: `${results.rawP95Ms} ms`,
        ratio: Number((results.appP95Ms / results.rawP95Ms).toFixed(2)),
        target: '< 20 ms',
        met: results.appP95Ms < 20,
      },
    });
    console.log(
      `${visits.toLocaleString('en')} visits, ${SALESPEOPLE.toLocaleString('en')} salespeople, ${results.meanSalespeopleFound} found per question on average; load average ${results.loadAverage.join(' ')}`,
    );
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/field-sales.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await app.close();
    await bare.end();
    await db.end();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

await main();
