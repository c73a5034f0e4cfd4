/**
 * Benchmark: the sales module (issue 15), each part beside a bare baseline in the same run.
 *
 *   npm run bench:sales -- [--leads 4000] [--concurrency 16] [--opportunities 1000000] [--runs 30]
 *                          [--book 100000] [--database-url URL]
 *   (or SALES_BENCH_LEADS / SALES_BENCH_OPPORTUNITIES / SALES_BENCH_BOOK to scale it down)
 *
 * 1. Lead creation: --leads leads through CreateLead (phone normalised, duplicates flagged, assigned by a
 *    round-robin rule under the rule's row lock, event and audit, one transaction), --concurrency in flight;
 *    beside as many bare one-row INSERT + COMMIT transactions into a logged table (and, for reference, an
 *    unlogged one, whose commit does not wait for a WAL flush), alternating in 4 rounds. Target ≥ 0.5×
 *    the bare (logged) rate.
 * 2. Pipeline report: --opportunities open opportunities (set-based) over 200 owners, then the report's
 *    service (SalesReportsService.pipeline, an administrator's whole book, read from the running totals)
 *    --runs times, interleaved with the GROUPING SETS aggregate over the opportunities run raw (the target's
 *    baseline) and with the totals' statement run raw. Targets ≤ 1.5× the raw aggregate at p50, p95 < 300 ms.
 * 3. Hand-over: a book of --book customers moved by HandOverBook (slices of HANDOVER_SLICE_SIZE) while
 *    purchases are recorded for the book's customers, 4 in flight: the time it took, and the longest
 *    purchase write during the hand-over beside the longest before it.
 * Uses its own database (crm_bench_sales, recreated); prints a table; writes bench/results/sales.json.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Job } from 'bullmq';
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
import type { HandOverJob } from '../src/infrastructure/queues/queue-names.js';
import { CustomerRecordsService } from '../src/modules/customers/customer-records.service.js';
import { UsersService } from '../src/modules/identity/users.service.js';
import { AssignmentRulesService } from '../src/modules/sales/assignment-rules.service.js';
import { CreateLead } from '../src/modules/sales/create-lead.js';
import { HandOverBook, RequestHandOver } from '../src/modules/sales/hand-over.js';
import { SalesReportsService } from '../src/modules/sales/reports.service.js';
import { latencyOf, percentile, roundTenth, secondsToRun } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    leads: { type: 'string', default: process.env.SALES_BENCH_LEADS ?? '4000' },
    concurrency: { type: 'string', default: '16' },
    opportunities: { type: 'string', default: process.env.SALES_BENCH_OPPORTUNITIES ?? '1000000' },
    runs: { type: 'string', default: '30' },
    book: { type: 'string', default: process.env.SALES_BENCH_BOOK ?? '100000' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench:sales -- [--leads 4000] [--concurrency 16] [--opportunities 1000000] [--runs 30] [--book 100000] [--database-url URL]',
  );
  process.exit(0);
}
const LEADS = Number(args.leads);
const CONCURRENCY = Number(args.concurrency);
const LEAD_ROUNDS = 4;
const OPPORTUNITIES = Number(args.opportunities);
const RUNS = Number(args.runs);
const BOOK = Number(args.book);

const server = new URL(
  args['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
server.pathname = '/crm_bench_sales';
const databaseUrl = server.toString();
const config = loadConfig({
  ...process.env,
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: `bench-sales-${randomBytes(3).toString('hex')}`,
  LOG_LEVEL: 'warn',
  PROCESS_ROLE: 'api',
  DATABASE_POOL_SIZE: String(CONCURRENCY + 4),
});
const ADMIN: Principal = {
  kind: 'user',
  id: '00000000-0000-4000-8000-000000000001',
  roles: ['admin'],
  email: 'bench@local',
  name: 'bench',
};

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'crm_bench_sales' AND pid <> pg_backend_pid()`,
  );
  await admin.query(`DROP DATABASE IF EXISTS crm_bench_sales`);
  await admin.end();
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  for (const table of ['TABLE bench_bare_rows', 'UNLOGGED TABLE bench_bare_unlogged_rows'])
    await db.query(`CREATE ${table} (id bigserial PRIMARY KEY, name text, created_at timestamptz DEFAULT now())`);

  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  const bare = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  try {
    const users = app.get(UsersService);
    const sellers = [];
    for (let i = 0; i < 4; i += 1)
      sellers.push(
        await users.create(
          { email: `seller${i}@bench.local`, name: `销售 ${i}`, password: 'bench-password-1', roles: ['sales'] },
          null,
        ),
      );
    const rules = app.get(AssignmentRulesService);
    for (const region of ['华东', '华南'])
      await rules.create(
        { name: region, regions: [region], strategy: 'round_robin', salespeople: sellers.map((s) => s.id) },
        ADMIN,
        'bench',
      );
    const handRuleId: string = (await db.query(`SELECT id FROM lead_assignment_rules WHERE name = '华南'`)).rows[0].id;

    // 1. Lead creation with assignment, beside a bare insert + commit into a logged table (the fair floor:
    // its commit waits for the WAL flush as a lead's does) and, for reference, into an unlogged one. The
    // sides alternate in rounds, so whatever else the machine does hits them alike.
    const createLead = app.get(CreateLead);
    const createOne = (i: number) =>
      createLead
        .execute(
          {
            name: `展会客户 ${i}`,
            phone: `1380000${String(i).padStart(4, '0')}`,
            source: 'trade_show',
            region: '华东',
          },
          ADMIN,
          `bench-${i}`,
        )
        .then(() => undefined);
    const insertBareOne = (table: string) => async (i: number) => {
      const client = await bare.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (name) VALUES ($1)`, [`展会客户 ${i}`]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    // The same work written by hand, one lead per transaction as a first version without the framework would:
    // both duplicate lookups, the rule locked, the loads read, the lead, the pointer, the audit row, two events.
    const createByHand = async (i: number) => {
      const phone = `+86139${String(i).padStart(8, '0')}`;
      const client = await bare.connect();
      try {
        await client.query(
          `SELECT id FROM customers WHERE deleted_at IS NULL AND (phone = $1 OR mobile = $1) LIMIT 5`,
          [phone],
        );
        await client.query(
          `SELECT id FROM leads WHERE status IN ('new', 'contacted', 'qualified') AND phone = $1 LIMIT 5`,
          [phone],
        );
        await client.query('BEGIN');
        const [rule] = (
          await client.query(
            `SELECT salespeople::text[] AS salespeople, next_index FROM lead_assignment_rules WHERE id = $1 FOR UPDATE`,
            [handRuleId],
          )
        ).rows;
        const loads = await client.query(
          `SELECT owner_id, count(*)::int FROM leads WHERE status IN ('new', 'contacted', 'qualified')
              AND owner_id = ANY($1::uuid[]) GROUP BY owner_id`,
          [rule.salespeople],
        );
        const ownerId = rule.salespeople[rule.next_index % rule.salespeople.length];
        const assignment = JSON.stringify({ ruleId: handRuleId, chosen: ownerId, loads: loads.rows });
        const [lead] = (
          await client.query(
            `INSERT INTO leads (kind, name, phone, source, region, owner_id, assignment, duplicates, respond_by, created_by_type, created_by_id)
             VALUES ('individual', $1, $2, 'trade_show', '华南', $3, $4, '{"customerIds": [], "leadIds": []}', now() + interval '1 day', 'user', $5)
             RETURNING to_jsonb(leads) AS lead, id`,
            [`展会客户 ${i}`, phone, ownerId, assignment, ADMIN.id],
          )
        ).rows;
        await client.query(`UPDATE lead_assignment_rules SET next_index = $2 WHERE id = $1`, [
          handRuleId,
          (rule.next_index + 1) % rule.salespeople.length,
        ]);
        await client.query(
          `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, after, request_id)
           VALUES ('user', $1, 'lead.created', 'lead', $2, $3, $4)`,
          [ADMIN.id, lead.id, lead.lead, `bench-${i}`],
        );
        for (const type of ['lead.created', 'lead.assigned'])
          await client.query(
            `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ($1, 'lead', $2, $3)`,
            [type, lead.id, { lead: lead.lead }],
          );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    };
    await db.query('CHECKPOINT');
    let handLeads = 0;
    let appLeads = 0;
    let bareLeads = 0;
    let unloggedLeads = 0;
    const perRound = Math.ceil(LEADS / LEAD_ROUNDS);
    for (let round = 0; round < LEAD_ROUNDS; round += 1) {
      const offset = round * perRound;
      appLeads += await timed(perRound, (i) => createOne(offset + i));
      bareLeads += await timed(perRound, (i) => insertBareOne('bench_bare_rows')(offset + i));
      unloggedLeads += await timed(perRound, (i) => insertBareOne('bench_bare_unlogged_rows')(offset + i));
      handLeads += await timed(perRound, (i) => createByHand(offset + i));
    }
    const leadCount = perRound * LEAD_ROUNDS;
    const assigned = (
      await db.query(
        `SELECT owner_id, count(*)::int AS n FROM leads WHERE region = '华东' GROUP BY owner_id ORDER BY n`,
      )
    ).rows.map((r) => r.n);
    console.log(
      `leads: ${Math.round(leadCount / appLeads)}/s vs bare ${Math.round(leadCount / bareLeads)}/s (unlogged ${Math.round(leadCount / unloggedLeads)}/s), the same work by hand ${Math.round(leadCount / handLeads)}/s, assigned ${assigned.join('/')}`,
    );

    // 2. The pipeline report over OPPORTUNITIES open opportunities.
    const seeding = Date.now();
    await db.query(
      `WITH stages AS (SELECT s.pipeline_id, array_agg(s.id ORDER BY s.position) AS ids FROM pipeline_stages s JOIN pipelines p ON p.id = s.pipeline_id AND p.is_default GROUP BY s.pipeline_id),
            owners AS (SELECT array_agg(gen_random_uuid()) AS ids FROM generate_series(1, 200))
       INSERT INTO opportunities (name, customer_id, owner_id, pipeline_id, stage_id, amount, currency, probability)
       SELECT '机会', gen_random_uuid(), owners.ids[1 + n % 200], stages.pipeline_id, stages.ids[1 + n % (array_length(stages.ids, 1) - 2)],
              (1000 + n % 100000)::numeric / 10, 'CNY', 10 + n % 80
         FROM generate_series(1, $1) n, stages, owners`,
      [OPPORTUNITIES],
    );
    await db.query('VACUUM ANALYZE opportunities');
    console.log(
      `seeded ${OPPORTUNITIES.toLocaleString('en')} opportunities in ${((Date.now() - seeding) / 1000).toFixed(0)} s`,
    );
    const pipelineId = (await db.query(`SELECT id FROM pipelines WHERE is_default`)).rows[0].id;
    const reports = app.get(SalesReportsService);
    const rawSql = `SELECT stage_id, owner_id, count(*)::int, coalesce(sum(amount), 0)::text, coalesce(round(sum(amount * probability) / 100, 2), 0)::text
                      FROM opportunities WHERE status = 'open' AND pipeline_id = $1 GROUP BY GROUPING SETS ((stage_id), (owner_id, stage_id), (owner_id), ())`;
    // The app reads the running totals the opportunities' statements keep; beside it, the same totals read raw.
    const rawTotalsSql = `SELECT stage_id, owner_id, coalesce(sum(open_count), 0)::int, coalesce(sum(amount), 0)::text,
                                 coalesce(round(sum(weighted) / 100, 2), 0)::text
                            FROM opportunity_pipeline_totals WHERE open_count > 0 AND pipeline_id = $1
                           GROUP BY GROUPING SETS ((stage_id), (owner_id, stage_id), (owner_id), ())`;
    const report = () => reports.pipeline({ pipelineId }, ADMIN);
    const raw = () => bare.query(rawSql, [pipelineId]);
    const rawTotals = () => bare.query(rawTotalsSql, [pipelineId]);
    await report();
    await raw();
    await rawTotals();
    const appLatency: number[] = [];
    const rawLatency: number[] = [];
    const rawTotalsLatency: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      rawLatency.push(await latencyOf(raw));
      rawTotalsLatency.push(await latencyOf(rawTotals));
      appLatency.push(await latencyOf(report));
    }
    const [appSorted, rawSorted, rawTotalsSorted] = [appLatency, rawLatency, rawTotalsLatency].map((values) =>
      [...values].sort((a, b) => a - b),
    );

    // 3. Hand-over of a BOOK-customer book while purchases are recorded for it.
    const [from, to] = sellers;
    await db.query(
      `INSERT INTO customers (kind, name, region, owner_id) SELECT 'individual', '老客户' || n, '华东', $2 FROM generate_series(1, $1) n`,
      [BOOK, from.id],
    );
    await db.query('VACUUM ANALYZE customers');
    const book: string[] = (await db.query(`SELECT id FROM customers WHERE owner_id = $1`, [from.id])).rows.map(
      (r) => r.id,
    );
    const records = app.get(CustomerRecordsService);
    const purchaseLatencies: { at: number; ms: number }[] = [];
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; writing; i += 4) {
        const t0 = performance.now();
        await records.recordPurchase(
          book[(i * 7919) % book.length],
          { product: '滤芯', amount: { amount: '99.00', currency: 'CNY' }, paymentMethod: 'card' },
          ADMIN,
        );
        purchaseLatencies.push({ at: t0, ms: performance.now() - t0 });
        written += 1;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the writers' steady state first
    const handOverStart = performance.now();
    const requested = await app
      .get(RequestHandOver)
      .execute({ fromUserId: from.id, toUserId: to.id, include: ['customers'] }, ADMIN, 'bench');
    const job = {
      data: { kind: 'hand-over', reassignmentId: requested.id },
      updateProgress: () => Promise.resolve(),
    } as unknown as Job<HandOverJob>;
    await app.get(HandOverBook).execute(job);
    const handOverEnd = performance.now();
    writing = false;
    await Promise.all(writers);
    const before = purchaseLatencies.filter((entry) => entry.at < handOverStart).map((entry) => entry.ms);
    const during = purchaseLatencies
      .filter((entry) => entry.at >= handOverStart && entry.at < handOverEnd)
      .map((entry) => entry.ms);
    const moved = (await db.query(`SELECT count(*)::int AS n FROM customers WHERE owner_id = $1`, [to.id])).rows[0].n;

    const results = {
      date: new Date().toISOString(),
      loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
      leads: {
        leads: leadCount,
        rounds: LEAD_ROUNDS,
        concurrency: CONCURRENCY,
        appPerSecond: Math.round(leadCount / appLeads),
        barePerSecond: Math.round(leadCount / bareLeads),
        ratio: Number((bareLeads / appLeads).toFixed(2)),
        unloggedPerSecond: Math.round(leadCount / unloggedLeads),
        ratioToUnlogged: Number((unloggedLeads / appLeads).toFixed(2)),
        byHandPerSecond: Math.round(leadCount / handLeads),
        ratioToByHand: Number((handLeads / appLeads).toFixed(2)),
        target: '≥ 0.5× the bare insert + commit',
      },
      pipelineReport: {
        opportunities: OPPORTUNITIES,
        runs: RUNS,
        appP50Ms: roundTenth(percentile(appSorted, 0.5)),
        appP95Ms: roundTenth(percentile(appSorted, 0.95)),
        rawP50Ms: roundTenth(percentile(rawSorted, 0.5)),
        rawP95Ms: roundTenth(percentile(rawSorted, 0.95)),
        ratio: Number((percentile(appSorted, 0.5) / percentile(rawSorted, 0.5)).toFixed(2)),
        rawTotalsP50Ms: roundTenth(percentile(rawTotalsSorted, 0.5)),
        rawTotalsP95Ms: roundTenth(percentile(rawTotalsSorted, 0.95)),
        ratioToRawTotals: Number((percentile(appSorted, 0.5) / percentile(rawTotalsSorted, 0.5)).toFixed(2)),
        target: '≤ 1.5× the raw aggregate, p95 < 300 ms',
      },
      handOver: {
        customers: BOOK,
        moved,
        sliceSize: config.HANDOVER_SLICE_SIZE,
        seconds: roundTenth((handOverEnd - handOverStart) / 1000),
        purchasesWritten: written,
        purchasesDuring: during.length,
        longestPurchaseBeforeMs: roundTenth(Math.max(0, ...before)),
        longestPurchaseDuringMs: roundTenth(Math.max(0, ...during)),
        p95PurchaseDuringMs: roundTenth(
          percentile(
            [...during].sort((a, b) => a - b),
            0.95,
          ),
        ),
        target: 'no write blocked for more than a second',
      },
    };
    console.table({
      'lead creation': {
        app: `${results.leads.appPerSecond}/s`,
        baseline: `${results.leads.barePerSecond}/s`,
        ratio: results.leads.ratio,
        target: '≥ 0.5',
        met: results.leads.ratio >= 0.5,
      },
      'pipeline report p50': {
        app: `${results.pipelineReport.appP50Ms} ms`,
        baseline: `${results.pipelineReport.rawP50Ms} ms`,
        ratio: results.pipelineReport.ratio,
        target: '≤ 1.5',
        met: results.pipelineReport.ratio <= 1.5,
      },
      'pipeline report p95': {
        app: `${results.pipelineReport.appP95Ms} ms`,
        baseline: `${results.pipelineReport.rawP95Ms} ms`,
        ratio: Number((results.pipelineReport.appP95Ms / results.pipelineReport.rawP95Ms).toFixed(2)),
        target: '< 300 ms',
        met: results.pipelineReport.appP95Ms < 300,
      },
      'hand-over longest purchase write': {
        app: `${results.handOver.longestPurchaseDuringMs} ms (during, ${results.handOver.seconds} s for ${moved.toLocaleString('en')} customers)`,
        baseline: `${results.handOver.longestPurchaseBeforeMs} ms (before)`,
        ratio: Number(
          (results.handOver.longestPurchaseDuringMs / Math.max(1, results.handOver.longestPurchaseBeforeMs)).toFixed(2),
        ),
        target: '< 1000 ms',
        met: results.handOver.longestPurchaseDuringMs < 1000,
      },
    });
    console.log(
      `pipeline report: the running totals read raw (the statement the app runs): p50 ${results.pipelineReport.rawTotalsP50Ms} ms, p95 ${results.pipelineReport.rawTotalsP95Ms} ms, app / raw totals ${results.pipelineReport.ratioToRawTotals}`,
    );
    console.log(
      `bare insert into an unlogged table (no WAL flush at commit), for reference: ${results.leads.unloggedPerSecond}/s, app / unlogged ${results.leads.ratioToUnlogged}`,
    );
    console.log(
      `the same work by hand (lookups, rule lock, loads, lead, pointer, audit, two events; one lead per transaction): ${results.leads.byHandPerSecond}/s, app / by hand ${results.leads.ratioToByHand}`,
    );
    console.log(`load average ${results.loadAverage.join(' ')}`);
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/sales.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await app.close();
    await bare.end();
    await db.end();
  }
}

/** Seconds to run `count` tasks, `CONCURRENCY` in flight. */
function timed(count: number, task: (index: number) => Promise<void>): Promise<number> {
  return secondsToRun(count, CONCURRENCY, task);
}

await main();
