import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bench/support.js';
import { API, bearer, createUser, queueOf, startTestApp, waitFor, type TestApp } from './support/test-app.js';
import { purchase } from './support/factories.js';
import { type LocalProvider, type SmtpSink, startLocalProvider, startSmtpSink } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer } from './support/outreach.js';
import { ServerProcess } from './support/processes.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { localDate } from '../src/common/time/zoned-time.js';

const CUSTOMERS = 20;
const SCAN_JOBS = 6;
const DAY_MS = 86_400_000;

/**
 * Two worker processes (the built server, PROCESS_ROLE=worker, as deployed) share the daily scans and
 * the send pipeline: several scan jobs for the same day run at once across both (plus two runs through
 * the API), both dispatchers claim due messages and both send workers send. Each customer still gets
 * exactly one message per rule, and the sinks receive each message once.
 */
describe('outreach with two worker processes', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let provider: LocalProvider;
  const workers: ServerProcess[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink();
    provider = await startLocalProvider();
    const outreachEnv = {
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: provider.url,
      WECHAT_PROVIDER_URL: provider.url,
      OUTREACH_DISPATCH_INTERVAL_MS: '100',
    };
    t = await startTestApp({ PROCESS_ROLE: 'api', ...outreachEnv });
    for (const name of ['worker-a', 'worker-b']) {
      const worker = new ServerProcess(
        name,
        await freePort(),
        {
          ...outreachEnv,
          NODE_ENV: 'test',
          PROCESS_ROLE: 'worker',
          DATABASE_URL: t.config.DATABASE_URL,
          REDIS_URL: t.config.REDIS_URL,
          QUEUE_BACKEND: t.config.QUEUE_BACKEND,
          QUEUE_PREFIX: t.config.QUEUE_PREFIX,
          RUN_MIGRATIONS: 'false',
          LOG_LEVEL: 'error',
          DATABASE_POOL_SIZE: '8',
        },
        join(tmpdir(), `outreach-two-workers-${name}-${process.pid}.log`),
      );
      workers.push(worker);
      await worker.start(120_000);
    }
  }, 240_000);
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await t?.close();
    await smtp?.close();
    await provider?.close();
  }, 120_000);

  it('sends each scanned customer one message, however many scans and dispatchers run at once', async () => {
    await defineOutreachFields(t);
    const marketing = (await createUser(t, ['marketing'])).token;
    const rule = async (fields: Record<string, unknown>) =>
      (
        await t.http
          .post(`${API}/outreach/rules`)
          .set(bearer(marketing))
          .send({ purpose: 'care', subject: '', ...fields })
          .expect(201)
      ).body.id as string;
    const birthdayRule = await rule({
      name: '生日',
      trigger: 'birthday',
      channels: ['email'],
      subject: '生日快乐',
      body: 'hi',
    });
    const dormantRule = await rule({
      name: '唤醒',
      trigger: 'dormant',
      delayDays: 60,
      channels: ['sms'],
      body: '想您',
    });
    const day = localDate(new Date(), 'Asia/Shanghai');
    const celebrants: { email: string }[] = [];
    const sleepers: { mobile: string }[] = [];
    for (let n = 0; n < CUSTOMERS; n += 1) {
      celebrants.push(
        await reachableCustomer(t, { consents: { email: true }, fields: { birthDate: `19${50 + n}${day.slice(4)}` } }),
      );
      const sleeper = await reachableCustomer(t, { consents: { sms: true } });
      await purchase(t, t.adminToken, sleeper.id, '30.00', {
        purchasedAt: new Date(Date.now() - 100 * DAY_MS).toISOString(),
      });
      sleepers.push(sleeper);
    }

    // The same day's scans, many at once: jobs the two workers take concurrently, and two runs through the API.
    const triggers = queueOf(t, QueueName.OutreachTriggers);
    const jobs = await triggers.addBulk(
      Array.from({ length: SCAN_JOBS }, (_, n) => ({
        name: 'daily-scan',
        data: { task: 'daily-scan' as const, day },
        opts: { jobId: `test-scan-${n}` },
      })),
    );
    const viaApi = [birthdayRule, dormantRule].map((id) =>
      t.http.post(`${API}/outreach/rules/${id}/run`).set(bearer(marketing)).send({ day }).expect(200),
    );
    await Promise.all(viaApi);
    await waitFor(
      async () => (await Promise.all(jobs.map((job) => job.getState()))).every((state) => state === 'completed'),
      120_000,
      'the scan jobs',
    );
    const runs = await t.db.query(
      `SELECT rule_id, count(*)::int AS runs, sum(created)::int AS created, sum(matched)::int AS matched
         FROM outreach_runs WHERE day = $1 GROUP BY rule_id`,
      [day],
    );
    const byRule = new Map(runs.rows.map((row) => [row.rule_id, row]));
    for (const id of [birthdayRule, dormantRule])
      expect(byRule.get(id)).toMatchObject({
        runs: SCAN_JOBS + 1,
        created: CUSTOMERS,
        matched: CUSTOMERS * (SCAN_JOBS + 1),
      });

    // Both dispatchers and both senders at work: every message sent, each once.
    await waitFor(
      async () =>
        (
          await t.db.query(
            `SELECT count(*)::int AS n FROM outreach_messages WHERE rule_id = ANY($1::uuid[]) AND status = 'sent'`,
            [[birthdayRule, dormantRule]],
          )
        ).rows[0].n ===
        2 * CUSTOMERS,
      120_000,
      'every message sent',
    );
    const mailed = celebrants.map(
      (customer) => smtp.mails.filter((mail) => mail.to.includes(customer.email.toLowerCase())).length,
    );
    const texted = sleepers.map(
      (customer) => provider.requests.filter((request) => request.to === customer.mobile).length,
    );
    expect(mailed).toStrictEqual(celebrants.map(() => 1));
    expect(texted).toStrictEqual(sleepers.map(() => 1));
    const sentEvents = await t.db.query(
      `SELECT e.message_id, count(*)::int AS n FROM outreach_message_events e JOIN outreach_messages m ON m.id = e.message_id
        WHERE m.rule_id = ANY($1::uuid[]) AND e.status = 'sent' GROUP BY e.message_id HAVING count(*) > 1`,
      [[birthdayRule, dormantRule]],
    );
    expect(sentEvents.rows).toStrictEqual([]);
    expect(workers.every((worker) => worker.running)).toBe(true);
  }, 300_000);
});
