/**
 * Development aid for the outreach benchmark: seeds a database once (`--database`, kept between runs),
 * then runs the campaign launch's statement (CampaignsRepository.launch, a segment of every customer)
 * under EXPLAIN (ANALYZE, BUFFERS, WAL) and rolls it back, and prints what one message writes.
 *
 *   npm run build && node dist/bench/outreach-explain.js --database outreach_perf_200k --customers 200000 [--reseed]
 */
import 'reflect-metadata';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { segmentConditionSql } from '../src/modules/segments/segment-filter.js';
import { CampaignsRepository, type CampaignRow } from '../src/modules/outreach/campaigns.repository.js';
import { contentKey } from '../src/modules/outreach/message-template.js';
import { CareScansRepository } from '../src/modules/outreach/care-scans.repository.js';
import type { RuleRow } from '../src/modules/outreach/outreach-rules.repository.js';
import { customerContactsSql } from '../src/modules/customers/customers.sql.js';
import { contactDecisionSql, GATED_STATEMENT_SETTINGS } from '../src/modules/outreach/contact-gate.sql.js';
import type { Tx } from '../src/infrastructure/database/transaction-runner.js';
import { campaignToEveryone, seedOutreachCustomers } from './outreach-seed.js';
import { processCpuSeconds } from './support.js';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'outreach_perf_200k' },
    customers: { type: 'string', default: '200000' },
    reseed: { type: 'boolean', default: false },
    analyze: { type: 'boolean', default: true },
    // launch: the campaign launch's statement; dormant: the dormant scan's; gate / raw: the bench's two selections.
    what: { type: 'string', default: 'launch' },
    // SQL run in the explained transaction first (rolled back with it), e.g. dropping an index to price it.
    before: { type: 'string', default: '' },
    'wal-records': { type: 'boolean', default: false },
  },
});
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
server.pathname = `/${args.database}`;
const url = server.toString();
const CUSTOMERS = Number(args.customers);

async function main(): Promise<void> {
  if (args.reseed) {
    const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${args.database} WITH (FORCE)`);
    await admin.end();
  }
  const created = await ensureDatabaseExists(url);
  await runMigrations(loadConfig({ ...process.env, DATABASE_URL: url, PROCESS_ROLE: 'api' }));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  if (created) {
    const started = performance.now();
    await seedOutreachCustomers(db, { customers: CUSTOMERS, timeZone: 'Etc/GMT-8' });
    console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const {
    rows: [campaign],
  } = await db.query(
    `SELECT id, name, purpose, channels, subject, body, control_percent AS "controlPercent" FROM campaigns WHERE id = $1`,
    [await campaignToEveryone(db, 'explain')],
  );
  const params: unknown[] = [];
  const condition = segmentConditionSql({ kinds: ['individual'] }, 'c', (value) => `$${params.push(value)}`);
  const backend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  let walRange: [string, string] | null = null;
  await db.query('BEGIN');
  if (args.before) await db.query(args.before);
  const tx = {
    query: async (sql: string, values?: unknown[]) => {
      if (!/^\s*WITH/.test(sql)) return (await db.query(sql, values)).rows;
      const {
        rows: [{ lsn }],
      } = await db.query(`SELECT pg_current_wal_lsn() AS lsn`);
      const cpuBefore = processCpuSeconds(backend);
      const started = performance.now();
      const explained = await db.query(
        `EXPLAIN (ANALYZE ${args.analyze}, BUFFERS, WAL, TIMING true, SETTINGS) ${sql}`,
        values,
      );
      console.log(explained.rows.map((row) => row['QUERY PLAN']).join('\n'));
      console.log(
        `statement: ${((performance.now() - started) / 1000).toFixed(2)} s, backend CPU ${(processCpuSeconds(backend) - cpuBefore).toFixed(2)} s, load ${os.loadavg()[0].toFixed(1)}`,
      );
      walRange = [lsn, (await db.query(`SELECT pg_current_wal_lsn() AS lsn`)).rows[0].lsn];
      return [{}];
    },
  } as unknown as Tx;
  if (args.what === 'launch')
    await new CampaignsRepository(null as never).launchPart(tx, campaign as CampaignRow, {
      condition,
      params,
      controlCut: null,
      resumed: false,
      contentKey: contentKey(campaign.subject, campaign.body),
      now: new Date(),
    });
  else if (args.what === 'dormant') {
    const {
      rows: [rule],
    } = await db.query(
      `INSERT INTO outreach_rules (name, trigger, purpose, channels, delay_days, body) VALUES ('dormant', 'dormant', 'care', ARRAY['sms', 'email'], 365, 'b')
       RETURNING id, name, purpose, channels, subject, delay_days AS "delayDays"`,
    );
    const dataSource = { transaction: (work: (tx: Tx) => Promise<unknown>) => work(tx) };
    await new CareScansRepository(dataSource as never).scan(rule as RuleRow, {
      audience: 'dormant',
      day: new Date().toISOString().slice(0, 10),
      contentKey: 'k',
      now: new Date(),
    });
  } else {
    await db.query(GATED_STATEMENT_SETTINGS);
    const everyone = `c.kind = 'individual'`;
    const sql =
      args.what === 'raw'
        ? `WITH x AS (SELECT 1) SELECT count(r.consents)::int AS n FROM (${customerContactsSql(everyone, ['email', 'sms'])}) r`
        : `WITH x AS (SELECT 1) SELECT count(*) FILTER (WHERE decision <> 'suppress')::int AS n FROM (${contactDecisionSql(
            {
              recipients: customerContactsSql(everyone, ['email', 'sms']),
              purpose: `'marketing'::text`,
              channels: `ARRAY['email', 'sms']::text[]`,
              contentKey: `'bench'::text`,
              now: '$1::timestamptz',
            },
          )}) d`;
    await tx.query(sql, args.what === 'raw' ? [] : [new Date()]);
  }
  await db.query('ROLLBACK');
  // A commit flushes the WAL, so the statement's records can be read.
  await db.query('BEGIN');
  await db.query('SELECT txid_current()');
  await db.query('COMMIT');
  if (args['wal-records'] && walRange) {
    // This database's WAL records of the statement by kind and relation (others' writes share the WAL).
    const { rows } = await db.query(
      `SELECT w.resource_manager || ' ' || split_part(w.record_type, ' ', 1) AS record,
              coalesce(c.relname, '?') AS relation, count(*)::int AS n, sum(w.record_length)::int AS bytes, sum(w.fpi_length)::int AS fpi
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) w
         LEFT JOIN pg_class c ON c.relfilenode = substring(w.block_ref FROM 'rel \\d+/\\d+/(\\d+)')::oid
        WHERE w.block_ref ~ ('rel \\d+/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/')
        GROUP BY 1, 2 ORDER BY 3 DESC`,
      walRange,
    );
    console.table(rows);
  }
  await db.end();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
