import { plainToInstance, Transform } from 'class-transformer';
import { isIP } from 'node:net';
import { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export type ProcessRole = 'all' | 'api' | 'worker';
export type NodeEnv = 'development' | 'test' | 'production';
export type QueueBackend = 'redis' | 'postgres';

const toBoolean = ({ value }: { value: unknown }) =>
  value === undefined
    ? undefined
    : value === true || value === 'true' || value === '1'
      ? true
      : value === 'false' || value === '0'
        ? false
        : value;
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : typeof value === 'string' && /^-?\d+$/.test(value)
      ? Number(value)
      : value;

/** Every setting the processes read, validated once at start-up. Nothing else reads process.env. */
// Parsed once per configuration, kept off the instance so that the configuration's keys stay the variables.
const calendars = new WeakMap<AppConfig, BusinessCalendar>();

export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: NodeEnv = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT = 3001;

  @IsString()
  @IsIn(['all', 'api', 'worker'])
  PROCESS_ROLE: ProcessRole = 'all';

  @IsString()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/crm';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 20;

  /** How long a request waits for a pooled connection (all busy, or Postgres unreachable) before it is answered 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_CONNECT_TIMEOUT_MS = 5_000;

  /** Job schedulers (nightly tiers, daily loyalty, maintenance, recovery sweeps) are asserted again this often, besides after every reconnection to Redis. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SCHEDULE_REASSERT_INTERVAL_MS = 60_000;

  /** How often the SLA alarm sweep checks that Redis still holds the delayed alarms, rebuilding them from Postgres when it lost them. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SLA_SWEEP_INTERVAL_MS = 60_000;

  /** How often the complaint report's rollup takes in the complaints changed since its last run (the report is current either way; the rollup keeps it fast). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  COMPLAINT_REPORT_ROLLUP_INTERVAL_MS = 15_000;

  /** The whole request — headers and body — must arrive within this time, or the connection is closed (408). */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  @IsString()
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString()
  QUEUE_PREFIX = 'crm';

  /**
   * Where the queues (and the log-in attempt counts and queue markers) live: `redis` (REDIS_URL), or
   * `postgres` — BullMQ's Postgres backend in the application's own database, no Redis at all. The
   * embedded mode sets it; it can also be set beside an installed Postgres.
   */
  @IsIn(['redis', 'postgres'])
  QUEUE_BACKEND: QueueBackend = 'redis';

  /**
   * `true` starts the embedded PostgreSQL (and QUEUE_BACKEND=postgres) whatever is installed; `false`
   * never does; unset: only when neither DATABASE_URL nor REDIS_URL is set and nothing answers on the
   * default local ports (never when NODE_ENV=production). Read by `main.ts`, see embedded-mode.ts.
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  CRM_EMBEDDED?: boolean;

  /** The embedded PostgreSQL's data directory, kept between runs. */
  @IsString()
  CRM_DATA_DIR = './.crm-data';

  @IsEmail()
  ADMIN_EMAIL = 'admin@example.com';

  @IsString()
  @MinLength(8)
  ADMIN_PASSWORD = 'admin12345';

  @IsOptional()
  @IsString()
  @MinLength(32)
  JWT_SECRET?: string;

  // Roles travel in the access token, so a demoted or deactivated user keeps them until it expires: keep it short.
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(3_600)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(3600)
  REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_ATTEMPTS_PER_MINUTE = 10;

  /** How many reverse proxies in front of the api add X-Forwarded-For; 0 trusts none (the client address is the socket's). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS = 0;

  /** Lets webhooks reach private, loopback and link-local addresses: development and tests only (refused in production). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Comma-separated host names, addresses and CIDR ranges webhooks may reach although they are private (e.g. `127.0.0.1/32,hooks.internal`). */
  @IsString()
  WEBHOOK_ALLOWED_HOSTS = '';

  /** One delivery attempt (connect, send, response head and the capped body) must finish within this time. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Attempts per delivery, the first included; with the default base delay the last is about 3 days after the first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30)
  WEBHOOK_MAX_ATTEMPTS = 12;

  /** The first retry waits about this long; each next one three times longer, at most a day, ±20 % jitter. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_DELAY_MS = 10_000;

  /** An endpoint whose attempts have all failed for this long is disabled (webhook_endpoint.disabled). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DISABLE_AFTER_FAILING_SECONDS = 3 * 86_400;

  /** Deliveries one worker process sends at the same time. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2_000)
  WEBHOOK_DELIVERY_CONCURRENCY = 100;

  /** At most this many of them to one endpoint, so a slow endpoint cannot take every slot. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(2_000)
  WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 25;

  /** Days a published outbox event is kept (for investigation) before the hourly purge removes it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  OUTBOX_RETENTION_DAYS = 7;

  /** Days webhook events, deliveries and their attempt logs are kept; replay reaches back this far. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  WEBHOOK_RETENTION_DAYS = 30;

  /** How often the recovery sweep runs; a delivery or a fan-out is recovered once it is 5 periods overdue. */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(3_600_000)
  WEBHOOK_SWEEP_INTERVAL_MS = 60_000;

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS = 200;

  @IsString()
  DEFAULT_CURRENCY = 'CNY';

  // The three LOYALTY_* values below only seed the loyalty_settings row when it is first created;
  // after that /admin/loyalty/settings is the truth and changing the variables has no effect.

  /** Initial loyalty points earned per whole unit of currency spent (1 point per 1 CNY by default). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000)
  LOYALTY_POINTS_PER_UNIT = 1;

  /** Initial months after which points expire, oldest first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(240)
  LOYALTY_POINTS_EXPIRE_MONTHS = 24;

  /** Initial points given once a year on the customer's birthday (R-L3); 0 turns the reward off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOYALTY_BIRTHDAY_POINTS = 100;

  /** When expiry and birthday rewards run (cron, server time zone). */
  @IsString()
  LOYALTY_DAILY_CRON = '30 0 * * *';

  /** Months of purchases that count towards customer value. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(120)
  VALUE_WINDOW_MONTHS = 24;

  /** When everyone's value and tier is recalculated (cron, server time zone). */
  @IsString()
  TIER_RECALC_CRON = '0 2 * * *';

  /** A burst of purchases within this many milliseconds is one recalculation of the customer. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  TIER_RECALC_DEBOUNCE_MS = 300;

  @IsString()
  DEFAULT_PHONE_REGION = 'CN';

  /** Hours in which SLA clocks run, e.g. `Mon-Fri 09:00-18:00; Sat 10:00-14:00`; empty for around the clock. */
  @IsString()
  SERVICE_BUSINESS_HOURS = '';

  /** The time zone business hours are read in. */
  @IsString()
  SERVICE_TIME_ZONE = 'Asia/Shanghai';

  /** Where outreach e-mail goes (nodemailer): smtp://user:pass@host:port, smtps:// for TLS. */
  @IsString()
  SMTP_URL = 'smtp://127.0.0.1:2525';

  @IsString()
  SMTP_FROM = 'CRM <care@example.com>';

  /** The SMS provider's HTTP API (POST {base}/messages); empty: SMS messages fail as not configured. */
  @IsString()
  SMS_PROVIDER_URL = '';

  /** The WeChat (official account) provider's HTTP API, same interface as SMS. */
  @IsString()
  WECHAT_PROVIDER_URL = '';

  /**
   * Messages per request to the SMS provider's batch API (`POST {base}/messages/batch`); 1: one
   * message a request to `POST {base}/messages`. At most a send job's 100.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMS_PROVIDER_BATCH_SIZE = 1;

  /** The same for the WeChat provider. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  WECHAT_PROVIDER_BATCH_SIZE = 1;

  /** Bearer token for the providers' APIs. */
  @IsString()
  MESSAGE_PROVIDER_TOKEN = '';

  /** Where providers post delivery reports (this API's base URL); empty: none is asked for. */
  @IsString()
  OUTREACH_CALLBACK_BASE_URL = '';

  /** Messages sent per second per channel (BullMQ's limiter over all workers); 0: no limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  OUTREACH_EMAIL_PER_SECOND = 50;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  OUTREACH_SMS_PER_SECOND = 20;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  OUTREACH_WECHAT_PER_SECOND = 20;

  /** Messages one worker process sends at the same time, per channel. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  OUTREACH_SEND_CONCURRENCY = 20;

  /**
   * Statements a campaign launch or a daily care scan runs at once, each on its own connection over a
   * disjoint part of the audience: about the database server's cores the job may use (1: one statement).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  OUTREACH_BULK_PARTS = 2;

  /** How often the dispatcher looks for messages that are due (deferred ones, campaign batches). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  OUTREACH_DISPATCH_INTERVAL_MS = 1_000;

  /** When the daily care scans (birthdays, dormant customers, VIP calls) run: cron, in OUTREACH_TIME_ZONE. */
  @IsString()
  OUTREACH_DAILY_CRON = '30 0 * * *';

  /** The zone whose date the daily scans are for, and the customers' default (quiet hours). */
  @IsString()
  OUTREACH_TIME_ZONE = 'Asia/Shanghai';

  /** A new lead must be contacted within this many seconds; then its owner is reminded (R-SP1, seed 002). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90 * 86_400)
  LEAD_RESPONSE_SECONDS = 86_400;

  /** This many seconds after the reminder, a lead still not contacted is escalated to the owner's manager. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90 * 86_400)
  LEAD_ESCALATION_SECONDS = 14_400;

  /** Purchases this many days after an opportunity was won count as its revenue (R-SP2). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_650)
  ATTRIBUTION_WINDOW_DAYS = 180;

  /** The one price list's currency: products, opportunities and quotes are in it. */
  @IsString()
  @IsIn(['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'])
  SALES_CURRENCY = 'CNY';

  /** The time zone of sales weeks (Monday to Sunday), reminder times and visit days. */
  @IsString()
  SALES_TIME_ZONE = 'Asia/Shanghai';

  /** When salespeople without a submitted plan for next week are reminded (cron, in SALES_TIME_ZONE): Friday 15:00. */
  @IsString()
  WORK_PLAN_REMINDER_CRON = '0 15 * * 5';

  /** When managers hear of this week's plans still not submitted (cron, in SALES_TIME_ZONE): Monday 09:00. */
  @IsString()
  WORK_PLAN_ESCALATION_CRON = '0 9 * * 1';

  /** The working day free time windows are read in (`GET /sales/nearby`), `HH:MM-HH:MM`. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/)
  SALES_WORKDAY = '08:30-17:30';

  /** Records a hand-over moves per transaction: each slice holds its row locks for one short transaction. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  HANDOVER_SLICE_SIZE = 500;

  /** The secret access tokens are signed with; a fixed development value outside production. */
  get jwtSecret(): string {
    return this.JWT_SECRET ?? 'development-only-secret-change-me-0123456789';
  }

  get businessCalendar(): BusinessCalendar {
    let calendar = calendars.get(this);
    if (!calendar)
      calendars.set(this, (calendar = BusinessCalendar.parse(this.SERVICE_BUSINESS_HOURS, this.SERVICE_TIME_ZONE)));
    return calendar;
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get webhookAllowedHosts(): string[] {
    return splitList(this.WEBHOOK_ALLOWED_HOSTS);
  }
}

export class ConfigError extends Error {}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function isHostOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length) return false;
  if (prefix !== undefined) {
    const family = isIP(address);
    return family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  }
  return (
    isIP(address) !== 0 ||
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(address)
  );
}

/** Builds the configuration from an environment, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = [...Object.keys(new AppConfig()), 'JWT_SECRET', 'CRM_EMBEDDED'];
  const raw = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.includes(key) && value !== undefined && value !== ''),
  );
  const config = plainToInstance(AppConfig, raw);
  const problems = validateSync(config, { skipMissingProperties: false }).map(
    (error) => `${error.property}=${JSON.stringify(error.value)}: ${Object.values(error.constraints ?? {}).join(', ')}`,
  );
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET)
    problems.push('JWT_SECRET: required when NODE_ENV=production');
  if (config.NODE_ENV === 'production' && config.WEBHOOK_ALLOW_PRIVATE)
    problems.push(
      'WEBHOOK_ALLOW_PRIVATE: not allowed when NODE_ENV=production; list the hosts in WEBHOOK_ALLOWED_HOSTS',
    );
  for (const entry of splitList(config.WEBHOOK_ALLOWED_HOSTS)) {
    if (!isHostOrCidr(entry))
      problems.push(
        `WEBHOOK_ALLOWED_HOSTS: ${JSON.stringify(entry)} is not a host name, an IP address or a CIDR range`,
      );
  }
  for (const url of ['DATABASE_URL', 'REDIS_URL'] as const) {
    try {
      new URL(config[url]);
    } catch {
      problems.push(`${url}=${JSON.stringify(config[url])}: not a valid URL`);
    }
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.SALES_TIME_ZONE });
  } catch {
    problems.push(`SALES_TIME_ZONE=${JSON.stringify(config.SALES_TIME_ZONE)}: not an IANA time zone`);
  }
  try {
    BusinessCalendar.parse(config.SERVICE_BUSINESS_HOURS, config.SERVICE_TIME_ZONE);
  } catch (error) {
    problems.push(`SERVICE_BUSINESS_HOURS / SERVICE_TIME_ZONE: ${(error as Error).message}`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
