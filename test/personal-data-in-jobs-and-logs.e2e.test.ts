import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { purchase, serviceRequest, webhookReceiver } from './support/factories.js';
import { API, bearer, queueOf, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners } from './support/webhook-receiver.js';

// Log lines and job payloads never carry a customer's name, phone, e-mail, address or birth date
// (issue 17): the customer flows run with every log line captured, then every job of every queue —
// its name, data, result, failure and stack — and every key the app keeps in Redis are read, and
// none may hold a personal value of the customers the flows touched.
const PERSON = {
  name: '日志陈一鸣',
  mobile: '13900004444',
  email: 'chen.logs@example.cn',
  homeAddress: '苏州市姑苏区平江路56号',
  birthDate: '1983-07-19',
  motto: '陈一鸣的座右铭',
};
const DUPLICATE = { name: '日志陈一鸣', mobile: '13900004444', email: 'old.chen@example.cn' };
const IMPORTED = { name: '导入周二娘', mobile: '13900005555', email: 'zhou.import@example.cn', birth: '1979年5月6日' };
const REJECTED = { name: '拒收吴三郎', mobile: '12345', email: 'wu.rejected@example.cn' };
const TRACES = [
  PERSON.name,
  PERSON.mobile,
  'chen.logs',
  '平江路56号',
  PERSON.birthDate,
  PERSON.motto,
  'old.chen',
  IMPORTED.name,
  IMPORTED.mobile,
  'zhou.import',
  '1979-05-06',
  IMPORTED.birth,
  REJECTED.name,
  'wu.rejected',
];

function decoded(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

describe('personal data in job payloads and log lines', () => {
  let t: TestApp;
  const logLines: string[] = [];
  const partners = new WebhookPartners(() => t);

  beforeAll(async () => {
    t = await startTestApp(
      { WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'trace' },
      { logDestination: { write: (line: string) => void logLines.push(line) } },
    );
  });
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  });

  /** The traces in a text, also where it percent-encodes them (a URL logged as received). */
  const tracesIn = (text: string) => {
    const forms = [text, ...[...text.matchAll(/(?:%[0-9A-Fa-f]{2})+/g)].map(([encoded]) => decoded(encoded))].map(
      (form) => form.toLowerCase(),
    );
    return TRACES.filter((trace) => forms.some((form) => form.includes(trace.toLowerCase())));
  };

  /** Every job of every queue, as text: name, data, result, progress, failure and stack trace. */
  async function everyJob(): Promise<string[]> {
    const texts: string[] = [];
    for (const name of Object.values(QueueName)) {
      const queue = queueOf(t, name);
      const jobs = await queue.getJobs(
        ['active', 'waiting', 'waiting-children', 'prioritized', 'delayed', 'completed', 'failed'],
        0,
        -1,
      );
      for (const job of jobs)
        texts.push(
          `${name} ${job.id}: ${JSON.stringify([job.name, job.data, job.returnvalue, job.progress, job.failedReason, job.stacktrace])}`,
        );
    }
    return texts;
  }

  /** Every key the app keeps in Redis under its prefix, with its values, as text. */
  async function everyRedisKey(): Promise<string[]> {
    const redis = new Redis(t.config.REDIS_URL);
    try {
      const texts: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.config.QUEUE_PREFIX}:*`, 'COUNT', 1_000);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          const values =
            type === 'hash'
              ? Object.entries(await redis.hgetall(key)).flat()
              : type === 'string'
                ? [await redis.get(key)]
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'zset'
                      ? await redis.zrange(key, 0, -1)
                      : type === 'stream'
                        ? (await redis.xrange(key, '-', '+')).flat(3)
                        : [];
          texts.push(`${key}: ${JSON.stringify(values)}`);
        }
      } while (cursor !== '0');
      return texts;
    } finally {
      redis.disconnect();
    }
  }

  it('runs the customer flows without a personal value in any job or log line', async () => {
    const admin = bearer(t.adminToken);
    await webhookReceiver(partners, ['customer.*', 'purchase.*', 'interaction.*']);

    // create (with an idempotency key), search, change, buy, talk, ask for service, consent
    const made = (
      await t.http
        .post(`${API}/customers`)
        .set(admin)
        .set('idempotency-key', 'logs-create-1')
        .send({ kind: 'individual', ...PERSON, religion: '道教' })
        .expect(201)
    ).body;
    await t.http.get(`${API}/customers`).query({ q: PERSON.name }).set(admin).expect(200);
    await t.http
      .get(`${API}/customers`)
      .query({ q: PERSON.mobile.slice(0, 7) })
      .set(admin)
      .expect(200);
    await t.http.get(`${API}/customers`).query({ q: PERSON.email }).set(admin).expect(200);
    await t.http.get(`${API}/customers/${made.id}`).set(admin).expect(200);
    await t.http
      .patch(`${API}/customers/${made.id}`)
      .set(admin)
      .send({ motto: `${PERSON.motto}！` })
      .expect(200);
    await purchase(t, t.adminToken, made.id, '880.00', { notes: `送到${PERSON.homeAddress}` });
    await t.http
      .post(`${API}/customers/${made.id}/interactions`)
      .set(admin)
      .send({ channel: 'phone', direction: 'inbound', summary: `${PERSON.name}来电`, commitments: [] })
      .expect(201);
    await serviceRequest(t, t.adminToken, made.id, { description: `回电 ${PERSON.mobile}` });
    await t.http
      .put(`${API}/customers/${made.id}/consents`)
      .set(admin)
      .send({ channels: [{ channel: 'email', optedIn: true }] })
      .expect(200);
    // refused input is logged as refused, without the values
    await t.http
      .post(`${API}/customers`)
      .set(admin)
      .send({ kind: 'individual', name: REJECTED.name, mobile: REJECTED.mobile, email: REJECTED.email })
      .expect(400);

    // duplicates and merge
    const duplicate = (
      await t.http
        .post(`${API}/customers`)
        .set(admin)
        .send({ kind: 'individual', ...DUPLICATE })
        .expect(201)
    ).body;
    await t.http.get(`${API}/customers/${made.id}/duplicates`).set(admin).expect(200);
    await t.http.get(`${API}/customers/duplicates`).set(admin).expect(200);
    await t.http.post(`${API}/customers/${made.id}/merge`).set(admin).send({ duplicateId: duplicate.id }).expect(200);
    await t.http.get(`${API}/customers/${duplicate.id}`).set(admin).expect(308);

    // an import with a rejected row, its rejected rows downloaded
    const file = Buffer.from(
      '\ufeff' +
        [
          '姓名,手机,电子邮件,出生年月日,住址',
          `${IMPORTED.name},${IMPORTED.mobile},${IMPORTED.email},${IMPORTED.birth},杭州`,
          `${REJECTED.name},${REJECTED.mobile},${REJECTED.email},1990/13/40,杭州`,
        ].join('\r\n'),
    );
    const started = (
      await t.http
        .post(`${API}/customers/imports`)
        .set(admin)
        .field('options', JSON.stringify({}))
        .attach('file', file, { filename: 'customers.csv', contentType: 'text/csv' })
        .expect(202)
    ).body;
    const imported = await waitFor(
      async () => {
        const { body } = await t.http.get(`${API}/customers/imports/${started.id}`).set(admin).expect(200);
        return body.status === 'completed' || body.status === 'failed' ? body : null;
      },
      60_000,
      'the import',
    );
    expect(imported).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 1 } });
    await t.http.get(`${API}/customers/imports/${started.id}/rejected-rows`).set(admin).expect(200);

    // export, and the erasure of the imported customer
    await t.http.get(`${API}/customers/${made.id}/export`).set(admin).expect(200);
    const {
      rows: [importedCustomer],
    } = await t.db.query(`SELECT id FROM customers WHERE mobile = $1`, [`+86${IMPORTED.mobile}`]);
    await t.http
      .post(`${API}/customers/${importedCustomer.id}/erase`)
      .set(admin)
      .send({ ground: 'customer-request' })
      .expect(200);

    // everything the flows queued has run: events relayed and handled, webhooks delivered, tiers recalculated
    await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int
                + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::int AS busy`,
        );
        if (rows[0].busy) return false;
        for (const name of Object.values(QueueName)) {
          const counts = await queueOf(t, name).getJobCounts('active', 'waiting', 'prioritized');
          if (Object.values(counts).some((count) => count > 0)) return false;
        }
        // the debounced recalculations of one customer (the nightly run's scheduled job stays delayed)
        const delayed = await queueOf(t, QueueName.TierRecalc).getJobs(['delayed']);
        return delayed.every((job) => job.name !== 'customer');
      },
      60_000,
      'the queues to drain',
    );

    // the check can see what it looks for: the flows left the values in the database and logged requests
    const { rows: held } = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload::text ILIKE ANY($1::text[])`,
      [TRACES.map((trace) => `%${trace}%`)],
    );
    expect(held[0].n).toBeGreaterThan(3);
    expect(logLines.filter((line) => line.includes('"request completed"')).length).toBeGreaterThan(15);
    const jobs = await everyJob();
    expect(jobs.filter((job) => job.startsWith(`${QueueName.DomainEvents} `)).length).toBeGreaterThan(5);
    expect(jobs.some((job) => job.startsWith(`${QueueName.CustomerImports} `))).toBe(true);

    const leaks = [
      ...logLines.map((line) => ({ where: 'log', text: line })),
      ...jobs.map((text) => ({ where: 'job', text })),
      ...(t.config.QUEUE_BACKEND === 'redis' ? await everyRedisKey() : []).map((text) => ({ where: 'redis', text })),
    ]
      .map(({ where, text }) => ({ where, traces: tracesIn(text), text: text.slice(0, 400) }))
      .filter((found) => found.traces.length);
    expect(leaks).toStrictEqual([]);
  });
});
