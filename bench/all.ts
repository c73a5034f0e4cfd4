/**
 * Every benchmark, one after the other, each in a process of its own:
 *
 *   npm run bench -- [--only http,service,webhooks,tiers]
 *
 * http: bench/run.ts (reads, search, purchases against a bare node:http + pg baseline);
 * service: bench/service-queue.ts (the service request queue against raw BullMQ);
 * webhooks: bench/webhooks.ts (deliveries per second, commit → receipt latency);
 * complaints: bench/complaints.ts (complaint intake against a bare insert + commit, the Pareto report
 * over a year of complaints against its aggregate as one raw statement);
 * sales: bench/sales.ts (lead creation against a bare insert + commit, the pipeline report over 1M opportunities
 * against its raw aggregate, a 100,000-customer hand-over with the longest pause of concurrent purchase writes);
 * field-sales: bench/field-sales.ts (GET /sales/nearby over a year of visits against the same indexed SQL run raw);
 * outreach: bench/outreach.ts (a campaign launch's gated audience selection against the raw selection, the
 * birthday and dormant scans against their raw audiences, the send pipeline against bare provider POSTs);
 * customer-data: bench/customer-data.ts (the CSV import against COPY, the duplicate scan against a bare
 * self-join, a segment's live count against the same count as raw SQL);
 * tiers: bench/tiers.ts (full tier recalculation against the aggregate floor), seeding
 * crm_bench_tiers with 1,000,000 customers and 10,000,000 purchases first when it does not exist.
 * Each prints its own table; run one alone with `npm run bench:<name> -- --help` for its options.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const BENCHES = [
  'http',
  'service',
  'webhooks',
  'tiers',
  'complaints',
  'field-sales',
  'outreach',
  'sales',
  'customer-data',
] as const;
type Bench = (typeof BENCHES)[number];
const SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const TIERS_DATABASE = `${SERVER}/crm_bench_tiers`;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: BENCHES.join(',') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench -- [--only http,service,webhooks,tiers,complaints,field-sales,outreach,sales,customer-data]',
  );
  process.exit(0);
}
const selected = args.only.split(',').map((name) => name.trim()) as Bench[];
const unknown = selected.filter((name) => !BENCHES.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}: choose from ${BENCHES.join(', ')}`);
  process.exit(64);
}

function run(script: string, scriptArgs: string[] = []): void {
  const result = spawnSync(process.execPath, [path.join(root, 'dist', script), ...scriptArgs], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) throw new Error(`${script} failed with exit code ${result.status}`);
}

async function databaseExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [
      new URL(url).pathname.slice(1),
    ]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

for (const bench of selected) {
  console.log(`\n=== ${bench} ===`);
  if (bench === 'http') run('bench/run.js');
  if (bench === 'service') run('bench/service-queue.js');
  if (bench === 'webhooks') run('bench/webhooks.js');
  if (bench === 'complaints') run('bench/complaints.js');
  if (bench === 'field-sales') run('bench/field-sales.js');
  if (bench === 'outreach') run('bench/outreach.js');
  if (bench === 'sales') run('bench/sales.js');
  if (bench === 'customer-data') run('bench/customer-data.js');
  if (bench === 'tiers') {
    if (!(await databaseExists(TIERS_DATABASE))) {
      run('scripts/seed.js', [
        '--customers',
        '1000000',
        '--purchases-per-customer',
        '10',
        '--database-url',
        TIERS_DATABASE,
      ]);
    }
    run('bench/tiers.js', ['--database-url', TIERS_DATABASE]);
  }
}
