/**
 * Fills a CRM database with realistic Chinese demo data, fast: staff users, customers (people and
 * companies) and their purchases, generated inside Postgres with set-based INSERT … SELECT FROM
 * generate_series in batches, on as many connections as there are CPUs.
 *
 *   npm run seed -- --customers 1000000 [--purchases-per-customer 3] [--database-url URL] [--reset | --append]
 *
 * The database is created if missing and migrated first. For a big load the non-unique indexes of
 * customers and purchases are dropped and rebuilt afterwards from their exact definitions
 * (pg_get_indexdef), which is several times faster than maintaining them row by row; the dropped
 * definitions are kept in crm_seed_dropped_indexes until rebuilt, so an interrupted seed repairs
 * itself on the next run (or call restoreDroppedIndexes).
 */
import 'reflect-metadata';
import argon2 from 'argon2';
import lunar from 'lunar-javascript';
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { zodiacOf } from '../src/modules/customers/zodiac.js';
import * as data from './seed-data.js';

export interface SeedOptions {
  /** Defaults to DATABASE_URL from the configuration. */
  databaseUrl?: string;
  customers: number;
  /** Average purchases per customer; each customer gets a uniform 0 … 2×average. Default 3. */
  purchasesPerCustomer?: number;
  /** Empty customers, their records, users and the audit log first. */
  reset?: boolean;
  /** Add to customers already there (without it, a non-empty database is refused). */
  append?: boolean;
  batchSize?: number;
  /** Parallel loading connections; default the number of CPUs (at most 4). */
  jobs?: number;
  /** VACUUM (ANALYZE) at the end instead of a plain ANALYZE; default true (sets hint bits and the visibility map). */
  vacuum?: boolean;
  /** The administrator to create; defaults to ADMIN_EMAIL / ADMIN_PASSWORD of the configuration. */
  adminEmail?: string;
  adminPassword?: string;
  log?: (line: string) => void;
}

export interface SeedResult {
  databaseUrl: string;
  customers: number;
  purchases: number;
  users: number;
  seconds: number;
  timings: Record<string, number>;
}

const ZODIAC = '鼠牛虎兔龙蛇马羊猴鸡狗猪';
const SEED_LOCK_KEY = 7_340_113;
const DROPPED_INDEXES_TABLE = 'crm_seed_dropped_indexes';
const BULK_TABLES = ['customers', 'purchases'];

/** Lunar new year (正月初一) as a solar date, for every year from `from` to `to`. */
export function lunarNewYears(from = 1900, to = 2100): { year: number; date: string }[] {
  const { Lunar } = lunar as unknown as {
    Lunar: { fromYmd(y: number, m: number, d: number): { getSolar(): { toYmd(): string } } };
  };
  const years: { year: number; date: string }[] = [];
  for (let year = from; year <= to; year++) years.push({ year, date: Lunar.fromYmd(year, 1, 1).getSolar().toYmd() });
  return years;
}

/** 1-based indexes repeated by weight: picking a uniform element picks an index with its weight. */
function weighted(weights: number[], resolution = 1000): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const out: number[] = [];
  weights.forEach((w, i) => {
    const copies = Math.max(1, Math.round((w / total) * resolution));
    for (let k = 0; k < copies; k++) out.push(i + 1);
  });
  return out;
}

/** Collects query parameters and hands out typed placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

const pick = (array: string, length: number) => `(${array})[1 + floor(random() * ${length})::int]`;

/**
 * The INSERT that creates customers g = from … to (1-based over the whole load) with their purchases,
 * in one statement. Everything random happens in Postgres.
 */
function batchStatement(
  owners: string[],
  ownerRanges: { start: number; count: number }[],
): (from: number, to: number, ctx: BatchContext) => { text: string; values: unknown[] } {
  return (from, to, ctx) => {
    const p = new Params();
    const surnames = p.add(
      data.SURNAMES.map((s) => s[0]),
      'text[]',
    );
    const surnamePy = p.add(
      data.SURNAMES.map((s) => s[1]),
      'text[]',
    );
    const surnameIdx = weighted(data.SURNAMES.map((s) => s[2]));
    const surnameIdxP = p.add(surnameIdx, 'int[]');
    const mChars = p.add(
      data.MALE_CHARS.map((c) => c[0]),
      'text[]',
    );
    const mCharsPy = p.add(
      data.MALE_CHARS.map((c) => c[1]),
      'text[]',
    );
    const fChars = p.add(
      data.FEMALE_CHARS.map((c) => c[0]),
      'text[]',
    );
    const fCharsPy = p.add(
      data.FEMALE_CHARS.map((c) => c[1]),
      'text[]',
    );
    const names = (list: [string, string][]) =>
      [
        p.add(
          list.map((n) => n[0]),
          'text[]',
        ),
        p.add(
          list.map((n) => n[1]),
          'text[]',
        ),
        list.length,
      ] as const;
    const [cmN, cmP, cmL] = names(data.CLASSIC_NAMES.male);
    const [cfN, cfP, cfL] = names(data.CLASSIC_NAMES.female);
    const [mmN, mmP, mmL] = names(data.MODERN_NAMES.male);
    const [mfN, mfP, mfL] = names(data.MODERN_NAMES.female);

    const places = data.PLACES;
    const placeIdx = p.add(weighted(places.map((pl) => pl.weight)), 'int[]');
    const placeIdxLen = weighted(places.map((pl) => pl.weight)).length;
    const placeLoc = p.add(
      places.map((pl) => pl.provinceFull + pl.city + pl.district),
      'text[]',
    );
    const placeRegion = p.add(
      places.map((pl) => pl.provinceShort),
      'text[]',
    );
    const placeNative = p.add(
      places.map((pl) => pl.provinceShort + (pl.district.endsWith('市') ? pl.district : pl.city).replace(/市$/, '')),
      'text[]',
    );
    const placePrefix = p.add(
      places.map((pl) => pl.companyPrefix),
      'text[]',
    );
    const placeArea = p.add(
      places.map((pl) => pl.areaCode),
      'text[]',
    );
    const placePost = p.add(
      places.map((pl) => pl.postcode),
      'text[]',
    );
    const ownersP = p.add(owners, 'uuid[]');
    const ownerStart = p.add(
      ownerRanges.map((r) => r.start),
      'int[]',
    );
    const ownerCount = p.add(
      ownerRanges.map((r) => r.count),
      'int[]',
    );

    const industries = p.add(
      data.INDUSTRIES.map((i) => i[0]),
      'text[]',
    );
    const industryIdx = weighted(data.INDUSTRIES.map((i) => i[1]));
    const industryIdxP = p.add(industryIdx, 'int[]');
    const phrases: string[] = [];
    const phraseStart: number[] = [];
    const phraseCount: number[] = [];
    for (const [, , list] of data.INDUSTRIES) {
      phraseStart.push(phrases.length + 1);
      phraseCount.push(list.length);
      phrases.push(...list);
    }
    const phrasesP = p.add(phrases, 'text[]');
    const phraseStartP = p.add(phraseStart, 'int[]');
    const phraseCountP = p.add(phraseCount, 'int[]');
    const trade = p.add(
      data.TRADE_NAMES.map((t) => t[0]),
      'text[]',
    );
    const tradePy = p.add(
      data.TRADE_NAMES.map((t) => t[1]),
      'text[]',
    );
    const suffixes = p.add(data.COMPANY_SUFFIXES, 'text[]');
    const text = (values: string[]) => [p.add(values, 'text[]'), values.length] as const;
    const [streets, streetsL] = text(data.STREETS);
    const [estates, estatesL] = text(data.ESTATES);
    const [zones, zonesL] = text(data.INDUSTRIAL_ZONES);
    const [jobs, jobsL] = text(data.JOB_TITLES);
    const [hobbies, hobbiesL] = text(data.HOBBIES);
    const [sports, sportsL] = text(data.SPORTS);
    const [pastimes, pastimesL] = text(data.PASTIMES);
    const [books, booksL] = text(data.BOOKS);
    const [admired, admiredL] = text(data.ADMIRED);
    const [mottos, mottosL] = text(data.MOTTOS);
    const [notes, notesL] = text(data.NOTES);
    const [religions, religionsL] = text(data.RELIGIONS);
    const [domains, domainsL] = text(data.EMAIL_DOMAINS);
    const [mobiles, mobilesL] = text(data.MOBILE_PREFIXES);
    const choice = (list: [string, number][]) => {
      const idx = weighted(
        list.map((l) => l[1]),
        100,
      );
      return `(${p.add(
        list.map((l) => l[0]),
        'text[]',
      )})[(${p.add(idx, 'int[]')})[1 + floor(random() * ${idx.length})::int]]`;
    };
    const [products, productsL] = text(data.PRODUCTS.map((pr) => pr[0]));
    const prices = p.add(
      data.PRODUCTS.map((pr) => pr[1]),
      'numeric[]',
    );
    const [channels, channelsL] = text(data.PURCHASE_CHANNELS);
    const payment = choice(data.PAYMENT_METHODS);

    const fromP = p.add(from, 'int');
    const toP = p.add(to, 'int');
    const firstCode = p.add(ctx.firstCode, 'bigint');
    const t0 = p.add(ctx.startEpoch, 'float8');
    const step = p.add(ctx.secondsPerCustomer, 'float8');
    const orgShare = p.add(ctx.organizationShare, 'float8');
    const maxPurchases = p.add(ctx.maxPurchasesPerCustomer, 'int');
    const zodiac = p.add(ZODIAC.split(''), 'text[]');

    const birthFrom = '1950-01-01';
    const birthDays = Math.round((Date.UTC(2005, 11, 31) - Date.UTC(1950, 0, 1)) / 86_400_000) + 1;

    const text_ = `
WITH c AS (
  INSERT INTO customers (code, kind, name, gender, birth_date, zodiac, native_place, education, home_address, company_name,
    company_founded_on, job_title, company_address, postcode, phone, fax, mobile, website, email, hobbies, favourite_sport,
    most_admired_person, favourite_pastime, favourite_book, smoker, drinker, religion, motto, notes, registered_on, level,
    region, industry, lifecycle_stage, relationship_type, owner_id, marketing_opt_out, created_at, updated_at)
  SELECT 'C' || (${firstCode} + g - 1), CASE WHEN org THEN 'organization' ELSE 'individual' END,
    CASE WHEN org THEN company ELSE surname || given END,
    CASE WHEN org THEN NULL WHEN male THEN 'male' ELSE 'female' END,
    birth,
    CASE WHEN birth IS NULL THEN NULL ELSE (${zodiac})[((lunar_year - 4) % 12 + 12) % 12 + 1] END,
    CASE WHEN org THEN NULL WHEN random() < 0.75 THEN (${placeNative})[pi] ELSE (${placeNative})[${pick(placeIdx, placeIdxLen)}] END,
    CASE WHEN org THEN NULL ELSE ${choice(data.EDUCATION)} END,
    CASE WHEN org OR random() < 0.15 THEN NULL ELSE (${placeLoc})[pi] || ${pick(streets, streetsL)} || (1 + floor(random() * 600))::int || '号'
      || ${pick(estates, estatesL)} || (1 + floor(random() * 30))::int || '幢' || (1 + floor(random() * 28))::int
      || lpad((1 + floor(random() * 4))::int::text, 2, '0') || '室' END,
    CASE WHEN org OR NOT employed THEN NULL ELSE company END,
    CASE WHEN org THEN date '1988-01-01' + floor(random() * 12400)::int END,
    CASE WHEN org OR NOT employed THEN NULL ELSE ${pick(jobs, jobsL)} END,
    CASE WHEN org OR employed THEN (${placeLoc})[pi] || ${pick(zones, zonesL)} || ${pick(streets, streetsL)} || (1 + floor(random() * 300))::int || '号' END,
    CASE WHEN random() < 0.6 THEN (${placePost})[pi] END,
    CASE WHEN random() < CASE WHEN org THEN 0.9 ELSE 0.15 END
      THEN '+86' || (${placeArea})[pi] || (2 + floor(random() * 7))::int || lpad(floor(random() * 10000000)::int::text, 7, '0') END,
    CASE WHEN org AND random() < 0.3 THEN '+86' || (${placeArea})[pi] || (2 + floor(random() * 7))::int || lpad(floor(random() * 10000000)::int::text, 7, '0') END,
    CASE WHEN random() < CASE WHEN org THEN 0.4 ELSE 0.93 END THEN '+86' || ${pick(mobiles, mobilesL)} || lpad(floor(random() * 100000000)::int::text, 8, '0') END,
    CASE WHEN org AND random() < 0.5 THEN 'www.' || trade_py || '.com.cn' END,
    CASE WHEN org THEN CASE WHEN random() < 0.7 THEN (ARRAY['sales', 'info', 'service', 'hr', 'contact'])[1 + floor(random() * 5)::int] || '@' || trade_py
        || CASE WHEN random() < 0.3 THEN lpad(floor(random() * 100)::int::text, 2, '0') ELSE '' END || (ARRAY['.com', '.cn', '.com.cn'])[1 + floor(random() * 3)::int] END
      WHEN email_roll < 0.3 THEN NULL
      WHEN email_roll < 0.55 THEN (10000 + floor(random() * 2000000000))::bigint || '@qq.com'
      ELSE surname_py || (ARRAY['', '.', '_'])[1 + floor(random() * 3)::int] || given_py
        || CASE WHEN random() < 0.6 THEN lpad((extract(year FROM coalesce(birth, date '1980-01-01'))::int % 100)::text, 2, '0')
                ELSE floor(random() * 1000)::int::text END
        || '@' || ${pick(domains, domainsL)} END,
    CASE WHEN org OR random() < 0.4 THEN NULL WHEN random() < 0.6 THEN ${pick(hobbies, hobbiesL)} ELSE ${pick(hobbies, hobbiesL)} || '、' || ${pick(hobbies, hobbiesL)} END,
    CASE WHEN NOT org AND random() < 0.4 THEN ${pick(sports, sportsL)} END,
    CASE WHEN NOT org AND random() < 0.1 THEN ${pick(admired, admiredL)} END,
    CASE WHEN NOT org AND random() < 0.35 THEN ${pick(pastimes, pastimesL)} END,
    CASE WHEN NOT org AND random() < 0.25 THEN ${pick(books, booksL)} END,
    CASE WHEN org OR random() < 0.2 THEN NULL ELSE random() < CASE WHEN male THEN 0.4 ELSE 0.03 END END,
    CASE WHEN org OR random() < 0.2 THEN NULL ELSE random() < CASE WHEN male THEN 0.5 ELSE 0.15 END END,
    CASE WHEN NOT org AND random() < 0.15 THEN ${pick(religions, religionsL)} END,
    CASE WHEN random() < 0.1 THEN ${pick(mottos, mottosL)} END,
    CASE WHEN random() < 0.12 THEN ${pick(notes, notesL)} END,
    (created_at AT TIME ZONE 'Asia/Shanghai')::date,
    ${choice(data.LEVELS)},
    (${placeRegion})[pi],
    (${industries})[ii],
    ${choice(data.LIFECYCLE)},
    CASE WHEN random() < 0.8 THEN ${choice(data.RELATIONSHIPS)} END,
    (${ownersP})[(${ownerStart})[pi] + floor(random() * (${ownerCount})[pi])::int],
    random() < 0.04,
    created_at, created_at
  FROM (
    SELECT b.*,
      CASE WHEN org OR employed
        THEN (${placePrefix})[pi] || (${trade})[ti] || (${phrasesP})[(${phraseStartP})[ii] + floor(random() * (${phraseCountP})[ii])::int]
          || ${pick(suffixes, data.COMPANY_SUFFIXES.length)} END AS company,
      (${tradePy})[ti] AS trade_py,
      (${surnames})[si] AS surname,
      (${surnamePy})[si] AS surname_py,
      CASE WHEN name_roll < 0.35 THEN CASE WHEN male THEN (${mChars})[c1] ELSE (${fChars})[c1] END
        WHEN name_roll < 0.65 THEN CASE WHEN classic THEN CASE WHEN male THEN (${cmN})[n1] ELSE (${cfN})[n1] END
                                   ELSE CASE WHEN male THEN (${mmN})[n1] ELSE (${mfN})[n1] END END
        ELSE CASE WHEN male THEN (${mChars})[c1] || (${mChars})[c2] ELSE (${fChars})[c1] || (${fChars})[c2] END END AS given,
      CASE WHEN name_roll < 0.35 THEN CASE WHEN male THEN (${mCharsPy})[c1] ELSE (${fCharsPy})[c1] END
        WHEN name_roll < 0.65 THEN CASE WHEN classic THEN CASE WHEN male THEN (${cmP})[n1] ELSE (${cfP})[n1] END
                                   ELSE CASE WHEN male THEN (${mmP})[n1] ELSE (${mfP})[n1] END END
        ELSE CASE WHEN male THEN (${mCharsPy})[c1] || (${mCharsPy})[c2] ELSE (${fCharsPy})[c1] || (${fCharsPy})[c2] END END AS given_py,
      extract(year FROM birth)::int - CASE WHEN birth < lny.starts[extract(year FROM birth)::int - 1899] THEN 1 ELSE 0 END AS lunar_year
    FROM (
      SELECT g, org, male, employed, birth, classic_names AS classic, created_at,
        ${pick(surnameIdxP, surnameIdx.length)} AS si,
        ${pick(placeIdx, placeIdxLen)} AS pi,
        ${pick(industryIdxP, industryIdx.length)} AS ii,
        1 + floor(random() * ${data.TRADE_NAMES.length})::int AS ti,
        random() AS name_roll,
        random() AS email_roll,
        1 + floor(random() * CASE WHEN male THEN ${data.MALE_CHARS.length} ELSE ${data.FEMALE_CHARS.length} END)::int AS c1,
        1 + floor(random() * CASE WHEN male THEN ${data.MALE_CHARS.length} ELSE ${data.FEMALE_CHARS.length} END)::int AS c2,
        1 + floor(random() * CASE WHEN classic_names THEN CASE WHEN male THEN ${cmL} ELSE ${cfL} END ELSE CASE WHEN male THEN ${mmL} ELSE ${mfL} END END)::int AS n1
      FROM (
        SELECT g,
          random() < ${orgShare} AS org,
          random() < 0.5 AS male,
          random() < 0.45 AS employed,
          CASE WHEN random() < 0.92 THEN date '${birthFrom}' + floor((random() + random()) / 2 * ${birthDays})::int END AS birth_raw,
          to_timestamp(${t0} + (g - 1 + random()) * ${step}) AS created_at
        FROM generate_series(${fromP}, ${toP}) AS g
        OFFSET 0
      ) r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.org THEN NULL ELSE r.birth_raw END AS birth) bd
      CROSS JOIN LATERAL (SELECT bd.birth < date '1980-01-01' AS classic_names) cn
      OFFSET 0
    ) b
    CROSS JOIN (SELECT array_agg(starts ORDER BY year) AS starts FROM lunar_new_year) lny
    OFFSET 0
  ) n
  ORDER BY g
  RETURNING id, created_at, owner_id
)
INSERT INTO purchases (customer_id, purchased_at, product, quantity, amount, currency, payment_method, channel, refunded_at, refund_reason, recorded_by, created_at)
SELECT c.id, pu.purchased_at, (${products})[pu.product], pu.quantity,
  round((${prices})[pu.product] * pu.quantity * pu.discount, 2), 'CNY', pu.payment_method, pu.channel,
  CASE WHEN pu.refund AND pu.purchased_at + interval '3 days' < now() THEN pu.purchased_at + interval '3 days' END,
  CASE WHEN pu.refund AND pu.purchased_at + interval '3 days' < now() THEN (ARRAY['质量问题', '七天无理由退货', '尺寸不合适', '重复下单'])[1 + floor(random() * 4)::int] END,
  c.owner_id, least(now(), pu.purchased_at + interval '2 minutes')
FROM c
CROSS JOIN LATERAL (
  SELECT c.created_at + random() * (now() - c.created_at) AS purchased_at,
    1 + floor(random() * ${productsL})::int AS product,
    CASE WHEN random() < 0.85 THEN 1 WHEN random() < 0.7 THEN 2 ELSE 3 END AS quantity,
    (ARRAY[1, 1, 1, 1, 0.98, 0.95, 0.9, 0.88, 0.85, 0.8])[1 + floor(random() * 10)::int] AS discount,
    ${payment} AS payment_method,
    ${pick(channels, channelsL)} AS channel,
    random() < 0.02 AS refund
  FROM generate_series(1, (get_byte(uuid_send(c.id), 14) * 256 + get_byte(uuid_send(c.id), 15)) % (${maxPurchases} + 1))
  OFFSET 0
) pu`;
    return { text: text_, values: p.values };
  };
}

interface BatchContext {
  firstCode: number;
  startEpoch: number;
  secondsPerCustomer: number;
  organizationShare: number;
  maxPurchasesPerCustomer: number;
}

/** Rebuilds indexes a previous (interrupted) seed dropped. Safe to call any time; returns how many it rebuilt. */
export async function restoreDroppedIndexes(
  databaseUrl: string,
  log: (line: string) => void = console.log,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'crm-seed' });
  await client.connect();
  try {
    const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      DROPPED_INDEXES_TABLE,
    ]);
    if (!rows[0].exists) return 0;
    const { rows: dropped } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM ${DROPPED_INDEXES_TABLE}`,
    );
    await client.query(`SET maintenance_work_mem = '${maintenanceWorkMem()}'`);
    for (const index of dropped) {
      const { rows: present } = await client.query(
        `SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`,
        [index.indexname],
      );
      if (!present.length) {
        log(`  rebuilding ${index.indexname} (dropped by an interrupted seed)`);
        await client.query(index.indexdef);
      }
      await client.query(`DELETE FROM ${DROPPED_INDEXES_TABLE} WHERE indexname = $1`, [index.indexname]);
    }
    await client.query(`DROP TABLE ${DROPPED_INDEXES_TABLE}`);
    return dropped.length;
  } finally {
    await client.end();
  }
}

function maintenanceWorkMem(): string {
  return `${Math.max(64, Math.min(1024, Math.floor(totalmem() / 1024 / 1024 / 16)))}MB`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Seeds the database; see the file comment. */
export async function seed(options: SeedOptions): Promise<SeedResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config = loadConfig(options.databaseUrl ? { ...process.env, DATABASE_URL: options.databaseUrl } : process.env);
  const databaseUrl = config.DATABASE_URL;
  const customers = options.customers;
  const average = options.purchasesPerCustomer ?? 3;
  const batchSize = options.batchSize ?? 100_000;
  const jobs = Math.max(1, Math.min(options.jobs ?? Math.min(4, cpus().length), 8));
  if (!Number.isInteger(customers) || customers < 0) throw new Error('customers must be a non-negative integer');
  if (!(average >= 0 && average <= 50)) throw new Error('purchases per customer must be between 0 and 50');
  if (options.reset && options.append) throw new Error('reset and append exclude each other');

  const timings: Record<string, number> = {};
  const started = Date.now();
  let phaseStart = started;
  const phase = (name: string) => {
    const now = Date.now();
    timings[name] = (now - phaseStart) / 1000;
    log(`  ${name.padEnd(28)} ${formatSeconds(now - phaseStart)}`);
    phaseStart = now;
  };

  log(
    `Seeding ${new URL(databaseUrl).pathname.slice(1)}: ${customers.toLocaleString('en')} customers, ~${average} purchases each, ${jobs} connection(s), batches of ${batchSize.toLocaleString('en')}`,
  );
  if (await ensureDatabaseExists(databaseUrl)) log('  created the database');
  const applied = await runMigrations(config);
  if (applied.length) log(`  applied migrations: ${applied.join(', ')}`);
  await restoreDroppedIndexes(databaseUrl, log);
  phase('database ready');

  const main = new pg.Client({ connectionString: databaseUrl, application_name: 'crm-seed' });
  await main.connect();
  const loaders: pg.Client[] = [];
  try {
    const { rows: locked } = await main.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      SEED_LOCK_KEY,
    ]);
    if (!locked[0].ok) throw new Error('another seed is running against this database');

    const existing = Number((await main.query<{ n: string }>('SELECT count(*) AS n FROM customers')).rows[0].n);
    if (existing > 0 && !options.reset && !options.append) {
      throw new Error(
        `the database already has ${existing.toLocaleString('en')} customers: pass --reset to replace all customer data (and users), or --append to add to them`,
      );
    }
    if (options.reset) {
      // CASCADE also empties any later module's tables that reference customers or users.
      await main.query(`TRUNCATE customers, purchases, interactions, customer_consents, custom_field_definitions, audit_log, outbox,
        idempotency_keys, refresh_tokens, api_keys, users RESTART IDENTITY CASCADE`);
      await main.query(`ALTER SEQUENCE customer_code_seq RESTART`);
      phase('reset');
    }
    const base = options.reset ? 0 : existing;

    // Staff: one argon2 hash shared by all demo staff, the administrator with the configured password.
    const adminEmail = options.adminEmail ?? config.ADMIN_EMAIL;
    const adminPassword = options.adminPassword ?? config.ADMIN_PASSWORD;
    const [staffHash, adminHash] = await Promise.all([
      argon2.hash(data.STAFF_PASSWORD, { type: argon2.argon2id }),
      argon2.hash(adminPassword, { type: argon2.argon2id }),
    ]);
    const insertUser = `INSERT INTO users (email, name, password_hash, roles, region, skills, manager_id)
      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (lower(email)) DO NOTHING`;
    await main.query(insertUser, [adminEmail, 'Administrator', adminHash, ['admin'], null, [], null]);
    const manager = data.STAFF.find((s) => s.key === 'manager')!;
    await main.query(insertUser, [
      manager.email,
      manager.name,
      staffHash,
      manager.roles,
      manager.region,
      manager.skills,
      null,
    ]);
    const { rows: managerRow } = await main.query<{ id: string }>(
      'SELECT id FROM users WHERE lower(email) = lower($1)',
      [manager.email],
    );
    for (const member of data.STAFF.filter((s) => s !== manager)) {
      await main.query(insertUser, [
        member.email,
        member.name,
        staffHash,
        member.roles,
        member.region,
        member.skills,
        member.roles.includes('sales') || member.roles.includes('agent') ? managerRow[0].id : null,
      ]);
    }
    const { rows: sales } = await main.query<{ id: string; region: string | null }>(
      `SELECT id, region FROM users WHERE 'sales' = ANY (roles) AND active ORDER BY region, email`,
    );
    if (!sales.length) throw new Error('no sales user to own the customers');
    const users = Number((await main.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0].n);
    phase('users');

    // Owners: the salespeople of a place's big region (any salesperson where a region has none).
    const owners: string[] = [];
    const ranges = new Map<string, { start: number; count: number }>();
    for (const region of new Set(data.PLACES.map((place) => place.bigRegion))) {
      const ids = sales.filter((s) => s.region === region).map((s) => s.id);
      const use = ids.length ? ids : sales.map((s) => s.id);
      ranges.set(region, { start: owners.length + 1, count: use.length });
      owners.push(...use);
    }
    const ownerRanges = data.PLACES.map((place) => ranges.get(place.bigRegion)!);

    let totalPurchases = 0;
    if (customers > 0) {
      // Reserve the customer numbers: C<first> … C<first + n - 1>, in creation order.
      const { rows: codeRows } = await main.query<{ first: string }>(
        `SELECT setval('customer_code_seq', nextval('customer_code_seq') + $1 - 1) - $1 + 1 AS first`,
        [customers],
      );
      const firstCode = Number(codeRows[0].first);

      const dropIndexes = customers >= 50_000 && customers >= base;
      let dropped: { indexname: string; indexdef: string }[] = [];
      if (dropIndexes) {
        const { rows } = await main.query<{ indexname: string; indexdef: string }>(
          `SELECT i.relname AS indexname, pg_get_indexdef(x.indexrelid) AS indexdef
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY ($1) AND t.relnamespace = current_schema()::regnamespace
              AND NOT x.indisunique AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY t.relname, i.relname`,
          [BULK_TABLES],
        );
        dropped = rows;
        await main.query('BEGIN');
        await main.query(`CREATE TABLE ${DROPPED_INDEXES_TABLE} (indexname text PRIMARY KEY, indexdef text NOT NULL)`);
        for (const index of dropped) {
          await main.query(`INSERT INTO ${DROPPED_INDEXES_TABLE} VALUES ($1, $2)`, [index.indexname, index.indexdef]);
          await main.query(`DROP INDEX "${index.indexname.replace(/"/g, '""')}"`);
        }
        await main.query('COMMIT');
        phase(`dropped ${dropped.length} indexes`);
      }

      // Loader connections: no synchronous commit; skip the foreign-key triggers where allowed (the
      // seed only references users and customers it has just written).
      const years = lunarNewYears();
      let fkChecks = true;
      for (let i = 0; i < jobs; i++) {
        const client = new pg.Client({ connectionString: databaseUrl, application_name: `crm-seed-${i + 1}` });
        await client.connect();
        loaders.push(client);
        await client.query(`SET synchronous_commit = off`);
        await client.query(`SET work_mem = '64MB'`);
        try {
          await client.query(`SET session_replication_role = replica`);
          fkChecks = false;
        } catch {
          fkChecks = true;
        }
        await client.query(`CREATE TEMP TABLE lunar_new_year (year int PRIMARY KEY, starts date NOT NULL)`);
        await client.query(`INSERT INTO lunar_new_year SELECT * FROM unnest($1::int[], $2::date[])`, [
          years.map((y) => y.year),
          years.map((y) => y.date),
        ]);
      }
      log(
        `  lunar new years 1900-2100 from lunar-javascript (${years.find((y) => y.year === 2024)?.date} for 2024); foreign-key triggers ${fkChecks ? 'on' : 'skipped (session_replication_role = replica)'}`,
      );

      const build = batchStatement(owners, ownerRanges);
      const span = 3 * 365.25 * 86_400;
      const ctx: BatchContext = {
        firstCode,
        startEpoch: Date.now() / 1000 - span,
        secondsPerCustomer: span / customers,
        organizationShare: 0.08,
        maxPurchasesPerCustomer: Math.round(average * 2),
      };
      const batches: [number, number][] = [];
      for (let from = 1; from <= customers; from += batchSize)
        batches.push([from, Math.min(customers, from + batchSize - 1)]);
      let next = 0;
      let done = 0;
      const loadStart = Date.now();
      await Promise.all(
        loaders.map(async (client) => {
          while (next < batches.length) {
            const [from, to] = batches[next++];
            const statement = build(from, to, ctx);
            const result = await client.query(statement.text, statement.values);
            totalPurchases += result.rowCount ?? 0;
            done += to - from + 1;
            const seconds = (Date.now() - loadStart) / 1000;
            log(
              `    ${done.toLocaleString('en').padStart(11)} customers, ${totalPurchases.toLocaleString('en').padStart(11)} purchases  ${seconds.toFixed(1)} s  (${Math.round(done / seconds).toLocaleString('en')} customers/s)`,
            );
          }
        }),
      );
      phase('customers and purchases');

      if (dropIndexes) {
        // Rebuild on all connections at once, the biggest (the GIN) first.
        const queue = [...dropped].sort(
          (a, b) => Number(/USING gin/i.test(b.indexdef)) - Number(/USING gin/i.test(a.indexdef)),
        );
        await Promise.all(
          loaders.map(async (client) => {
            await client.query(`SET maintenance_work_mem = '${maintenanceWorkMem()}'`);
            await client.query(`SET max_parallel_maintenance_workers = 0`);
            for (let index = queue.shift(); index; index = queue.shift()) {
              const t = Date.now();
              await client.query(index.indexdef);
              await main.query(`DELETE FROM ${DROPPED_INDEXES_TABLE} WHERE indexname = $1`, [index.indexname]);
              log(`    ${index.indexname.padEnd(36)} ${formatSeconds(Date.now() - t)}`);
            }
          }),
        );
        await main.query(`DROP TABLE ${DROPPED_INDEXES_TABLE}`);
        phase(`rebuilt ${dropped.length} indexes`);
      }
    }

    // Statistics (and hint bits / visibility map, so the first readers do not rewrite every page).
    const vacuum = options.vacuum ?? true;
    const maintenance = loaders.length ? loaders : [main];
    const tables = ['customers', 'purchases', 'users'];
    await Promise.all(
      maintenance.map(async (client) => {
        for (let table = tables.shift(); table; table = tables.shift())
          await client.query(`${vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${table}`);
      }),
    );
    phase(vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE');
    // Flush what the load dirtied now, rather than in a checkpoint while the database is first used.
    try {
      await main.query('CHECKPOINT');
      phase('CHECKPOINT');
    } catch {
      log('  (CHECKPOINT skipped: needs superuser or pg_checkpoint)');
    }

    // Self-check: the SQL zodiac agrees with the application's (lunar-javascript) on a sample.
    const { rows: sample } = await main.query<{ birth_date: string; zodiac: string }>(
      `SELECT birth_date::text, zodiac FROM customers TABLESAMPLE SYSTEM (1) WHERE birth_date IS NOT NULL LIMIT 2000`,
    );
    const wrong = sample.filter((row) => zodiacOf(row.birth_date) !== row.zodiac);
    if (wrong.length)
      throw new Error(
        `zodiac mismatch on ${wrong.length} of ${sample.length} sampled customers, e.g. ${JSON.stringify(wrong[0])}`,
      );

    const totals = (
      await main.query<{ customers: string; purchases: string }>(
        `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM purchases) AS purchases`,
      )
    ).rows[0];
    const seconds = (Date.now() - started) / 1000;
    log(
      `Done in ${seconds.toFixed(1)} s: ${Number(totals.customers).toLocaleString('en')} customers, ${Number(totals.purchases).toLocaleString('en')} purchases, ${users} users ` +
        `(zodiac checked on ${sample.length} customers). Staff log in with password ${data.STAFF_PASSWORD}, e.g. ${data.STAFF[1].email}; administrator ${adminEmail}.`,
    );
    return {
      databaseUrl,
      customers: Number(totals.customers),
      purchases: Number(totals.purchases),
      users,
      seconds,
      timings,
    };
  } finally {
    await Promise.all(loaders.map((client) => client.end().catch(() => undefined)));
    await main.end().catch(() => undefined);
  }
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      'purchases-per-customer': { type: 'string', default: '3' },
      'database-url': { type: 'string' },
      'batch-size': { type: 'string', default: '100000' },
      jobs: { type: 'string' },
      reset: { type: 'boolean', default: false },
      append: { type: 'boolean', default: false },
      'no-vacuum': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      `npm run seed -- --customers N [--purchases-per-customer 3] [--database-url URL] [--reset | --append] [--jobs J] [--batch-size B] [--no-vacuum]`,
    );
    return;
  }
  const int = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  await seed({
    customers: int('customers', values.customers)!,
    purchasesPerCustomer: int('purchases-per-customer', values['purchases-per-customer']),
    databaseUrl: values['database-url'],
    batchSize: int('batch-size', values['batch-size']),
    jobs: int('jobs', values.jobs),
    reset: values.reset,
    append: values.append,
    vacuum: !values['no-vacuum'],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((error) => {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
