import { Queue, UnrecoverableError, Worker } from 'bullmq';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { API, bearer, createUser, startTestApp, TestApp, waitFor } from './support/test-app.js';

const EVERY_SCOPE = [
  'customers:read', 'customers:write', 'customers:sensitive', 'purchases:write', 'interactions:write',
  'service-requests:write', 'complaints:write', 'outreach:report', 'webhooks:manage',
];
const UI = `${API}/admin/queues/ui`;

describe('admin endpoints', { timeout: 120_000 }, () => {
  let t: TestApp;
  let queue: Queue;
  let adminId: string;

  before(async () => {
    // An api process: no worker takes the jobs these tests put on the queues.
    t = await startTestApp({ PROCESS_ROLE: 'api' });
    const connection = { host: '127.0.0.1', port: Number(new URL(t.config.REDIS_URL).port || 6379), maxRetriesPerRequest: null };
    queue = new Queue(QueueName.Maintenance, { connection, prefix: t.config.QUEUE_PREFIX });
    adminId = (await t.http.get(`${API}/auth/me`).set(bearer(t.adminToken)).expect(200)).body.id;
  });
  after(async () => {
    await queue.close();
    await t.close();
  });

  /** A job that fails once, processed by a throwaway worker of the test's own. */
  const failedJob = async (): Promise<string> => {
    const job = await queue.add('purge-idempotency-keys', { task: 'purge-idempotency-keys' }, { attempts: 1 });
    const worker = new Worker(QueueName.Maintenance, async () => {
      throw new UnrecoverableError('disk full');
    }, { connection: queue.opts.connection, prefix: t.config.QUEUE_PREFIX });
    await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', 10_000, 'the job to fail');
    await worker.close();
    return job.id!;
  };

  it('shows every queue with its counts', async () => {
    const response = await t.http.get(`${API}/admin/queues`).set(bearer(t.adminToken)).expect(200);
    assert.deepEqual(response.body.data.map((state: { name: string }) => state.name).sort(), Object.values(QueueName).sort());
    const deliveries = response.body.data.find((state: { name: string }) => state.name === 'webhook-deliveries');
    assert.deepEqual(Object.keys(deliveries.counts).sort(), ['active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting']);
    assert.equal(deliveries.paused, false);
    await t.http.get(`${API}/admin/queues/no-such-queue`).set(bearer(t.adminToken)).expect(404);
  });

  it('lists failed jobs, retries one, removes one, and retries them all', async () => {
    const first = await failedJob();
    const listed = await t.http.get(`${API}/admin/queues/maintenance/jobs`).set(bearer(t.adminToken)).expect(200);
    const job = listed.body.data.find((candidate: { id: string }) => candidate.id === first);
    assert.equal(job.failedReason, 'disk full');
    assert.deepEqual(job.data, { task: 'purge-idempotency-keys' });
    assert.equal((await t.http.get(`${API}/admin/queues/maintenance`).set(bearer(t.adminToken)).expect(200)).body.counts.failed, 1);

    await t.http.post(`${API}/admin/queues/maintenance/jobs/${first}/retry`).set(bearer(t.adminToken)).expect(204);
    assert.equal(await queue.getJobState(first), 'waiting');
    const again = await t.http.post(`${API}/admin/queues/maintenance/jobs/${first}/retry`).set(bearer(t.adminToken)).expect(409);
    assert.equal(again.body.type, '/problems/job-not-failed');
    await t.http.delete(`${API}/admin/queues/maintenance/jobs/${first}`).set(bearer(t.adminToken)).expect(204);
    assert.equal(await queue.getJob(first), undefined);
    await t.http.delete(`${API}/admin/queues/maintenance/jobs/${first}`).set(bearer(t.adminToken)).expect(404);
    await t.http.post(`${API}/admin/queues/maintenance/jobs/${encodeURIComponent('bad id!')}/retry`).set(bearer(t.adminToken)).expect(404);

    const second = await failedJob();
    const third = await failedJob();
    const retried = await t.http.post(`${API}/admin/queues/maintenance/failed/retry`).set(bearer(t.adminToken)).expect(200);
    assert.equal(retried.body.retried, 2);
    await waitFor(async () => (await queue.getJobState(second)) === 'waiting' && (await queue.getJobState(third)) === 'waiting', 5_000, 'both jobs waiting again');
    await t.http.get(`${API}/admin/queues/maintenance/jobs?state=bogus`).set(bearer(t.adminToken)).expect(400);
  });

  it('pauses and resumes a queue', async () => {
    const paused = await t.http.post(`${API}/admin/queues/tier-recalc/pause`).set(bearer(t.adminToken)).expect(200);
    assert.equal(paused.body.paused, true);
    const resumed = await t.http.post(`${API}/admin/queues/tier-recalc/resume`).set(bearer(t.adminToken)).expect(200);
    assert.equal(resumed.body.paused, false);
  });

  it('finds audit entries by entity, by actor and by time, a page at a time', async () => {
    const since = new Date(Date.now() - 1).toISOString();
    await t.http.post(`${API}/admin/queues/loyalty/pause`).set(bearer(t.adminToken)).expect(200);
    await t.http.post(`${API}/admin/queues/loyalty/resume`).set(bearer(t.adminToken)).expect(200);
    const byEntity = await t.http.get(`${API}/admin/audit-log?entityType=queue&entityId=loyalty`).set(bearer(t.adminToken)).expect(200);
    assert.deepEqual(byEntity.body.data.map((entry: { action: string }) => entry.action), ['queue.resumed', 'queue.paused']);
    assert.equal(byEntity.body.data[0].actorId, adminId);
    assert.equal(byEntity.body.data[0].actorType, 'user');

    const firstPage = await t.http.get(`${API}/admin/audit-log?actorId=${adminId}&from=${encodeURIComponent(since)}&limit=1`).set(bearer(t.adminToken)).expect(200);
    assert.equal(firstPage.body.data.length, 1);
    assert.equal(firstPage.body.data[0].action, 'queue.resumed');
    const secondPage = await t.http.get(`${API}/admin/audit-log?actorId=${adminId}&from=${encodeURIComponent(since)}&limit=1&cursor=${firstPage.body.nextCursor}`).set(bearer(t.adminToken)).expect(200);
    assert.equal(secondPage.body.data[0].action, 'queue.paused');

    const customer = await t.http.post(`${API}/customers`).set(bearer(t.adminToken)).send({ kind: 'individual', name: '审计' }).expect(201);
    const created = await t.http.get(`${API}/admin/audit-log?entityType=customer&entityId=${customer.body.id}&action=customer.created`).set(bearer(t.adminToken)).expect(200);
    assert.equal(created.body.data.length, 1);
    const future = await t.http.get(`${API}/admin/audit-log?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).set(bearer(t.adminToken)).expect(200);
    assert.equal(future.body.data.length, 0);

    await t.http.get(`${API}/admin/audit-log?from=yesterday`).set(bearer(t.adminToken)).expect(400);
    await t.http.get(`${API}/admin/audit-log?cursor=garbage`).set(bearer(t.adminToken)).expect(400);
    await t.http.get(`${API}/admin/audit-log?actorType=robot`).set(bearer(t.adminToken)).expect(400);
  });

  it('reads out the configuration with secrets masked', async () => {
    const response = await t.http.get(`${API}/admin/config`).set(bearer(t.adminToken)).expect(200);
    const entry = (name: string) => response.body.data.find((candidate: { name: string }) => candidate.name === name);
    assert.deepEqual(entry('ADMIN_PASSWORD'), { name: 'ADMIN_PASSWORD', value: '********', masked: true });
    assert.equal(entry('QUEUE_PREFIX').value, t.config.QUEUE_PREFIX);
    assert.equal(entry('WEBHOOK_TIMEOUT_MS').value, 10_000);
    assert.equal(JSON.stringify(response.body).includes(t.config.ADMIN_PASSWORD), false);
  });

  it('manages API keys: create, list, revoke', async () => {
    const created = await t.http.post(`${API}/admin/api-keys`).set(bearer(t.adminToken)).send({ name: 'ERP', scopes: ['webhooks:manage'] }).expect(201);
    await t.http.get(`${API}/webhooks`).set(bearer(created.body.key)).expect(200);
    const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
    assert.ok(listed.body.data.some((key: { id: string; scopes: string[] }) => key.id === created.body.id && key.scopes.includes('webhooks:manage')));
    await t.http.delete(`${API}/admin/api-keys/${created.body.id}`).set(bearer(t.adminToken)).expect(204);
    await t.http.get(`${API}/webhooks`).set(bearer(created.body.key)).expect(401);
  });

  it('serves the queue dashboard to administrators only, by bearer token or by the session cookie', async () => {
    const sales = await createUser(t, ['sales']);
    await t.http.get(`${UI}/login`).expect(200).expect('content-type', /text\/html/);
    const anonymousPage = await t.http.get(`${UI}/`).set('accept', 'text/html').expect(302);
    assert.equal(anonymousPage.headers.location, `${UI}/login`);
    await t.http.get(`${UI}/api/queues`).expect(401);
    await t.http.get(`${UI}/api/queues`).set(bearer(sales.token)).expect(403);
    await t.http.get(`${UI}/`).set(bearer(sales.token)).expect(403);
    await t.http.post(`${UI}/session`).set(bearer(sales.token)).expect(403);

    const queues = await t.http.get(`${UI}/api/queues`).set(bearer(t.adminToken)).expect(200);
    assert.ok(queues.body.queues.some((state: { name: string }) => state.name === 'webhook-deliveries'));

    const session = await t.http.post(`${UI}/session`).set(bearer(t.adminToken)).expect(204);
    const cookie = String(session.headers['set-cookie']);
    assert.match(cookie, /^crm_queues_ui=[^;]+; Path=\/api\/v1\/admin\/queues\/ui; HttpOnly; SameSite=Strict; Max-Age=900$/);
    const page = await t.http.get(`${UI}/`).set('cookie', cookie.split(';')[0]).expect(200);
    assert.match(page.text, /<html/i);
    assert.match(page.text, new RegExp(`<base href="${UI}/"`));
    const script = /src="(static\/[^"]+\.js)"/.exec(page.text)![1];
    await t.http.get(`${UI}/${script}`).set('cookie', cookie.split(';')[0]).expect(200).expect('content-type', /javascript/);
    await t.http.get(`${UI}/api/queues`).set('cookie', cookie.split(';')[0]).expect(200);
    await t.http.get(`${UI}/api/queues`).set('cookie', 'crm_queues_ui=forged').expect(401);
  });

  it('refuses every admin endpoint to anyone but an administrator', async () => {
    const users = await Promise.all(['manager', 'sales', 'agent', 'technician', 'marketing'].map((role) => createUser(t, [role])));
    const key = (await t.http.post(`${API}/admin/api-keys`).set(bearer(t.adminToken)).send({ name: 'every scope', scopes: EVERY_SCOPE }).expect(201)).body.key;
    const routes: [string, string][] = [
      ['get', '/admin/queues'], ['get', '/admin/queues/maintenance'], ['get', '/admin/queues/maintenance/jobs'],
      ['post', '/admin/queues/maintenance/jobs/1/retry'], ['delete', '/admin/queues/maintenance/jobs/1'], ['post', '/admin/queues/maintenance/failed/retry'],
      ['post', '/admin/queues/maintenance/pause'], ['post', '/admin/queues/maintenance/resume'], ['get', '/admin/audit-log'], ['get', '/admin/config'],
      ['get', '/admin/api-keys'], ['post', '/admin/api-keys'], ['delete', '/admin/api-keys/00000000-0000-4000-8000-000000000000'],
      ['get', '/admin/queues/ui/'], ['get', '/admin/queues/ui/api/queues'], ['post', '/admin/queues/ui/session'],
    ];
    for (const [method, path] of routes) {
      for (const token of [...users.map((user) => user.token), key]) {
        const response = await (t.http as unknown as Record<string, (url: string) => ReturnType<TestApp['http']['get']>>)[method](`${API}${path}`).set(bearer(token)).send({});
        assert.equal(response.status, 403, `${method.toUpperCase()} ${path}: ${response.status}`);
      }
      const anonymous = await (t.http as unknown as Record<string, (url: string) => ReturnType<TestApp['http']['get']>>)[method](`${API}${path}`).set('accept', 'application/json');
      assert.equal(anonymous.status, 401, `${method.toUpperCase()} ${path} without a token: ${anonymous.status}`);
    }
    assert.equal((await queue.isPaused()), false);
  });
});
