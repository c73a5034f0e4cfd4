/**
 * Development aid for the daily care scans: a scan's first run and its rerun over a database kept
 * between runs (seeded with --customers and one launch to every customer the first time), `--times`
 * rounds, each with a new rule whose messages are deleted afterwards — so a change to the scan can be
 * timed many times without reseeding. Prints wall-clock and the database's CPU per run.
 *
 *   npm run build && node dist/bench/outreach-scan-runs.js [--database scan_runs_1m] [--customers 1000000]
 *     [--times 2] [--trigger dormant|birthday] [--launch-before [--vacuum] [--checkpoint]]
 *
 * --launch-before launches another campaign to every customer before each round (its messages deleted
 * with the rule's), to time a scan that follows a launch.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import { localDate } from '../src/common/time/zoned-time.js';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { CareScans } from '../src/modules/outreach/care-scans.js';
import { LaunchCampaign } from '../src/modules/outreach/launch-campaign.js';
import { OutreachRulesRepository } from '../src/modules/outreach/outreach-rules.repository.js';
import { campaignToEveryone, seedOutreachCustomers } from './outreach-seed.js';
import { databaseCpuBetween, databaseCpuByProcess } from './database-cpu.js';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'scan_runs_1m' },
    customers: { type: 'string', default: '1000000' },
    times: { type: 'string', default: '2' },
    trigger: { type: 'string', default: 'dormant' },
    'launch-before': { type: 'boolean', default: false },
    checkpoint: { type: 'boolean', default: false },
    vacuum: { type: 'boolean', default: false },
  },
});
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
server.pathname = `/${args.database}`;
const url = server.toString();

async function main(): Promise<void> {
  const created = await ensureDatabaseExists(url);
  const env = { ...process.env, DATABASE_URL: url, PROCESS_ROLE: 'api', LOG_LEVEL: 'warn', QUEUE_PREFIX: 'scan-runs' };
  await runMigrations(loadConfig(env));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const api = await NestFactory.createApplicationContext(AppModule.forConfig(loadConfig(env)), { logger: false });
  if (created) {
    await seedOutreachCustomers(db, { customers: Number(args.customers), timeZone: 'Etc/GMT-8' });
    await api.get(LaunchCampaign).execute(await campaignToEveryone(db, 'everyone'));
    await db.query('VACUUM ANALYZE outreach_messages');
    console.log('seeded and launched');
  }
  const day = localDate(new Date(), 'Asia/Shanghai');
  for (let i = 0; i < Number(args.times); i += 1) {
    const {
      rows: [{ id }],
    } = await db.query(
      `INSERT INTO outreach_rules (name, trigger, purpose, channels, delay_days, body) VALUES ($1, $1, 'care', ARRAY['sms', 'email'], $2, '{{ salutation }}，您好') RETURNING id`,
      [args.trigger, args.trigger === 'dormant' ? 365 : 0],
    );
    const rule = (await api.get(OutreachRulesRepository).findById(id))!;
    let launched: string | null = null;
    if (args['launch-before']) {
      // A subject of its own, so that its messages are not duplicates of the first launch's.
      launched = await campaignToEveryone(db, `again ${i}`, `s${i}-${Date.now()}`);
      const t0 = performance.now();
      await api.get(LaunchCampaign).execute(launched);
      console.log(`launch ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (args.vacuum) await db.query('VACUUM ANALYZE outreach_messages');
      if (args.checkpoint) await db.query('CHECKPOINT');
    }
    for (const label of ['first', 'rerun']) {
      const before = await databaseCpuByProcess(db);
      const started = performance.now();
      const runId = await api.get(CareScans).run(rule, day);
      const seconds = (performance.now() - started) / 1000;
      const after = await databaseCpuByProcess(db);
      const spent = before && after ? databaseCpuBetween(before, after) : NaN;
      const {
        rows: [run],
      } = await db.query(`SELECT matched, created, errors FROM outreach_runs WHERE id = $1`, [runId]);
      console.log(
        `${args.trigger} ${label}: ${seconds.toFixed(2)} s, db CPU ${spent.toFixed(1)} s, matched ${run.matched}, created ${run.created}, errors ${JSON.stringify(run.errors)}`,
      );
    }
    await db.query(`DELETE FROM outreach_messages WHERE rule_id = $1`, [id]);
    if (launched) {
      await db.query(`DELETE FROM campaign_control_group WHERE campaign_id = $1`, [launched]);
      await db.query(`DELETE FROM outreach_messages WHERE campaign_id = $1`, [launched]);
    }
    await db.query(`UPDATE outreach_rules SET active = false WHERE id = $1`, [id]);
    await db.query('VACUUM ANALYZE outreach_messages');
  }
  await api.close();
  await db.end();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
