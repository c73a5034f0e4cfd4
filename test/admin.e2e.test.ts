import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SCOPES } from '../src/common/auth/principal.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

const EVERY_SCOPE = [...SCOPES];
const UI = `${API}/admin/queues/ui`;

describe('admin endpoints', () => {
  let t: TestApp;
  let queue: Queue;
  let adminId: string;

  beforeAll(async () => {
    // An api process: no worker takes the jobs these tests put on the queues.
    t = await startTestApp({ PROCESS_ROLE: 'api' });
    const connection = {
      host: '127.0.0.1',
      port: Number(new URL(t.config.REDIS_URL).port || 6379),
      maxRetriesPerRequest: null,
    };
    queue = new Queue(QueueName.Maintenance, { connection, prefix: t.config.QUEUE_PREFIX });
    adminId = (await t.http.get(`${API}/auth/me`).set(bearer(t.adminToken)).expect(200)).body.id;
  }, 120_000);
  afterAll(async () => {
    await queue.close();
    await t.close();
  }, 120_000);

  /** A job that fails once, processed by a throwaway worker of the test's own. */
  const failedJob = async (): Promise<string> => {
    const job = await queue.add('purge-idempotency-keys', { task: 'purge-idempotency-keys' }, { attempts: 1 });
    const worker = new Worker(
      QueueName.Maintenance,
      async () => {
        throw new UnrecoverableError('disk full');
      },
      { connection: queue.opts.connection, prefix: t.config.QUEUE_PREFIX },
    );
    await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', 10_000, 'the job to fail');
    await worker.close();
    return job.id!;
  };

  it('shows every queue with its counts', async () => {
    const response = await t.http.get(`${API}/admin/queues`).set(bearer(t.adminToken)).expect(200);
    expect(response.body.data.map((state: { name: string }) => state.name).sort()).toStrictEqual(
      Object.values(QueueName).sort(),
    );
    const deliveries = response.body.data.find((state: { name: string }) => state.name === 'webhook-deliveries');
    expect(Object.keys(deliveries.counts).sort()).toStrictEqual([
      'active',
      'completed',
      'delayed',
      'failed',
      'prioritized',
      'waiting',
    ]);
    expect(deliveries.paused).toBe(false);
    await t.http.get(`${API}/admin/queues/no-such-queue`).set(bearer(t.adminToken)).expect(404);
  }, 120_000);

  it('lists failed jobs, retries one, removes one, and retries them all', async () => {
    const first = await failedJob();
    const listed = await t.http.get(`${API}/admin/queues/maintenance/jobs`).set(bearer(t.adminToken)).expect(200);
    const job = listed.body.data.find((candidate: { id: string }) => candidate.id === first);
    expect(job.failedReason).toBe('disk full');
    expect(job.data).toStrictEqual({ task: 'purge-idempotency-keys' });
    expect(
      (await t.http.get(`${API}/admin/queues/maintenance`).set(bearer(t.adminToken)).expect(200)).body.counts.failed,
    ).toBe(1);

    await t.http.post(`${API}/admin/queues/maintenance/jobs/${first}/retry`).set(bearer(t.adminToken)).expect(204);
    expect(await queue.getJobState(first)).toBe('waiting');
    const again = await t.http
      .post(`${API}/admin/queues/maintenance/jobs/${first}/retry`)
      .set(bearer(t.adminToken))
      .expect(409);
    expect(again.body.type).toBe('/problems/job-not-failed');
    await t.http.delete(`${API}/admin/queues/maintenance/jobs/${first}`).set(bearer(t.adminToken)).expect(204);
    expect(await queue.getJob(first)).toBeUndefined();
    await t.http.delete(`${API}/admin/queues/maintenance/jobs/${first}`).set(bearer(t.adminToken)).expect(404);
    await t.http
      .post(`${API}/admin/queues/maintenance/jobs/${encodeURIComponent('bad id!')}/retry`)
      .set(bearer(t.adminToken))
      .expect(404);

    const second = await failedJob();
    const third = await failedJob();
    const retried = await t.http
      .post(`${API}/admin/queues/maintenance/failed/retry`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(retried.body.retried).toBe(2);
    await waitFor(
      async () => (await queue.getJobState(second)) === 'waiting' && (await queue.getJobState(third)) === 'waiting',
      5_000,
      'both jobs waiting again',
    );
    await t.http.get(`${API}/admin/queues/maintenance/jobs?state=bogus`).set(bearer(t.adminToken)).expect(400);
  }, 120_000);

  it('pauses and resumes a queue', async () => {
    const paused = await t.http.post(`${API}/admin/queues/tier-recalc/pause`).set(bearer(t.adminToken)).expect(200);
    expect(paused.body.paused).toBe(true);
    const resumed = await t.http.post(`${API}/admin/queues/tier-recalc/resume`).set(bearer(t.adminToken)).expect(200);
    expect(resumed.body.paused).toBe(false);
  }, 120_000);

  it('finds audit entries by entity, by actor and by time, a page at a time', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    await t.http.post(`${API}/admin/queues/loyalty/pause`).set(bearer(t.adminToken)).expect(200);
    await t.http.post(`${API}/admin/queues/loyalty/resume`).set(bearer(t.adminToken)).expect(200);
    const byEntity = await t.http
      .get(`${API}/admin/audit-log?entityType=queue&entityId=loyalty`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(byEntity.body.data.map((entry: { action: string }) => entry.action)).toStrictEqual([
      'queue.resumed',
      'queue.paused',
    ]);
    expect(byEntity.body.data[0].actorId).toBe(adminId);
    expect(byEntity.body.data[0].actorType).toBe('user');

    const firstPage = await t.http
      .get(`${API}/admin/audit-log?actorId=${adminId}&from=${encodeURIComponent(since)}&limit=1`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(firstPage.body.data.length).toBe(1);
    expect(firstPage.body.data[0].action).toBe('queue.resumed');
    const secondPage = await t.http
      .get(
        `${API}/admin/audit-log?actorId=${adminId}&from=${encodeURIComponent(since)}&limit=1&cursor=${firstPage.body.nextCursor}`,
      )
      .set(bearer(t.adminToken))
      .expect(200);
    expect(secondPage.body.data[0].action).toBe('queue.paused');

    const customer = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .send({ kind: 'individual', name: '审计' })
      .expect(201);
    const created = await t.http
      .get(`${API}/admin/audit-log?entityType=customer&entityId=${customer.body.id}&action=customer.created`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(created.body.data.length).toBe(1);
    const future = await t.http
      .get(`${API}/admin/audit-log?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(future.body.data.length).toBe(0);

    await t.http.get(`${API}/admin/audit-log?from=yesterday`).set(bearer(t.adminToken)).expect(400);
    await t.http.get(`${API}/admin/audit-log?cursor=garbage`).set(bearer(t.adminToken)).expect(400);
    await t.http.get(`${API}/admin/audit-log?actorType=robot`).set(bearer(t.adminToken)).expect(400);
  }, 120_000);

  it('reads out the configuration with secrets masked', async () => {
    const response = await t.http.get(`${API}/admin/config`).set(bearer(t.adminToken)).expect(200);
    const entry = (name: string) => response.body.data.find((candidate: { name: string }) => candidate.name === name);
    expect(entry('ADMIN_PASSWORD')).toStrictEqual({ name: 'ADMIN_PASSWORD', value: '********', masked: true });
    expect(entry('QUEUE_PREFIX').value).toBe(t.config.QUEUE_PREFIX);
    expect(entry('WEBHOOK_TIMEOUT_MS').value).toBe(10_000);
    expect(JSON.stringify(response.body).includes(t.config.ADMIN_PASSWORD)).toBe(false);
  }, 120_000);

  it('manages API keys: create, list, revoke', async () => {
    const created = await t.http
      .post(`${API}/admin/api-keys`)
      .set(bearer(t.adminToken))
      .send({ name: 'ERP', scopes: ['webhooks:manage'] })
      .expect(201);
    await t.http.get(`${API}/webhooks`).set(bearer(created.body.key)).expect(200);
    const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
    expect(
      listed.body.data.some(
        (key: { id: string; scopes: string[] }) => key.id === created.body.id && key.scopes.includes('webhooks:manage'),
      ),
    ).toBeTruthy();
    await t.http.delete(`${API}/admin/api-keys/${created.body.id}`).set(bearer(t.adminToken)).expect(204);
    await t.http.get(`${API}/webhooks`).set(bearer(created.body.key)).expect(401);
  }, 120_000);

  it('serves the queue dashboard to administrators only, by bearer token or by the session cookie', async () => {
    const sales = await createUser(t, ['sales']);
    await t.http
      .get(`${UI}/login`)
      .expect(200)
      .expect('content-type', /text\/html/);
    const anonymousPage = await t.http.get(`${UI}/`).set('accept', 'text/html').expect(302);
    expect(anonymousPage.headers.location).toBe(`${UI}/login`);
    await t.http.get(`${UI}/api/queues`).expect(401);
    await t.http.get(`${UI}/api/queues`).set(bearer(sales.token)).expect(403);
    await t.http.get(`${UI}/`).set(bearer(sales.token)).expect(403);
    await t.http.post(`${UI}/session`).set(bearer(sales.token)).expect(403);

    const queues = await t.http.get(`${UI}/api/queues`).set(bearer(t.adminToken)).expect(200);
    expect(queues.body.queues.some((state: { name: string }) => state.name === 'webhook-deliveries')).toBeTruthy();

    const session = await t.http.post(`${UI}/session`).set(bearer(t.adminToken)).expect(204);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(
      /^crm_queues_ui=[^;]+; Path=\/api\/v1\/admin\/queues\/ui; HttpOnly; SameSite=Strict; Max-Age=900$/,
    );
    const page = await t.http.get(`${UI}/`).set('cookie', cookie.split(';')[0]).expect(200);
    expect(page.text).toMatch(/<html/i);
    expect(page.text).toMatch(new RegExp(`<base href="${UI}/"`));
    const script = /src="(static\/[^"]+\.js)"/.exec(page.text)![1];
    await t.http
      .get(`${UI}/${script}`)
      .set('cookie', cookie.split(';')[0])
      .expect(200)
      .expect('content-type', /javascript/);
    await t.http.get(`${UI}/api/queues`).set('cookie', cookie.split(';')[0]).expect(200);
    await t.http.get(`${UI}/api/queues`).set('cookie', 'crm_queues_ui=forged').expect(401);
  }, 120_000);

  it("answers the dashboard's errors as problem details with the request id", async () => {
    const sales = await createUser(t, ['sales']);
    const refusals = [
      await t.http.get(`${UI}/api/queues`).set('x-request-id', 'dash-401'),
      await t.http.get(`${UI}/api/queues`).set(bearer(sales.token)).set('x-request-id', 'dash-403'),
      await t.http.get(`${UI}/api/queues/no-such-queue/1`).set(bearer(t.adminToken)).set('x-request-id', 'dash-404'),
      await t.http
        .put(`${UI}/api/queues/loyalty/pause`)
        .set(bearer(t.adminToken))
        .set('x-request-id', 'dash-400')
        .set('content-type', 'application/json')
        .send('['.repeat(200) + ']'.repeat(200)),
    ];
    expect(refusals.map((response) => response.status)).toStrictEqual([401, 403, 404, 400]);
    for (const [index, response] of refusals.entries()) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        status: response.status,
        requestId: ['dash-401', 'dash-403', 'dash-404', 'dash-400'][index],
      });
      expect(typeof response.body.title).toBe('string');
    }
  });

  it('refuses every admin endpoint to anyone but an administrator', async () => {
    const users = await Promise.all(
      ['manager', 'sales', 'agent', 'technician', 'marketing'].map((role) => createUser(t, [role])),
    );
    const key = (
      await t.http
        .post(`${API}/admin/api-keys`)
        .set(bearer(t.adminToken))
        .send({ name: 'every scope', scopes: EVERY_SCOPE })
        .expect(201)
    ).body.key;
    const routes: [string, string][] = [
      ['get', '/admin/queues'],
      ['get', '/admin/queues/maintenance'],
      ['get', '/admin/queues/maintenance/jobs'],
      ['post', '/admin/queues/maintenance/jobs/1/retry'],
      ['delete', '/admin/queues/maintenance/jobs/1'],
      ['post', '/admin/queues/maintenance/failed/retry'],
      ['post', '/admin/queues/maintenance/pause'],
      ['post', '/admin/queues/maintenance/resume'],
      ['get', '/admin/audit-log'],
      ['get', '/admin/config'],
      ['get', '/admin/api-keys'],
      ['post', '/admin/api-keys'],
      ['delete', '/admin/api-keys/00000000-0000-4000-8000-000000000000'],
      ['get', '/admin/queues/ui/'],
      ['get', '/admin/queues/ui/api/queues'],
      ['post', '/admin/queues/ui/session'],
    ];
    for (const [method, path] of routes) {
      for (const token of [...users.map((user) => user.token), key]) {
        const response = await (
          t.http as unknown as Record<string, (url: string) => ReturnType<TestApp['http']['get']>>
        )
          [method](`${API}${path}`)
          .set(bearer(token))
          .send({});
        expect(response.status).toBe(403);
      }
      const anonymous = await (t.http as unknown as Record<string, (url: string) => ReturnType<TestApp['http']['get']>>)
        [method](`${API}${path}`)
        .set('accept', 'application/json');
      // ${method.toUpperCase()} ${path} without a token: ${anonymous.status}
      expect(anonymous.status).toBe(401);
    }
    expect(await queue.isPaused()).toBe(false);
  }, 120_000);
});
