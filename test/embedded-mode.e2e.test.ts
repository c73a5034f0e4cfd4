import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { customer, purchase, serviceRequest } from './support/factories.js';
import { httpStatus, ServerProcess } from './support/processes.js';
import { API, bearer, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners } from './support/webhook-receiver.js';

// The embedded mode as `npm start` runs it: the built server (dist/src/main.js, so `npm test` builds
// first) with CRM_EMBEDDED=true starts its own PostgreSQL from the npm packages in a data directory of
// this file's, on free ports, and runs every queue on BullMQ's Postgres backend — no Redis at all
// (REDIS_URL points at a port nothing listens on). The machine's Postgres and Redis are left alone.
// One representative flow per queue: purchases earning points (domain events, event subscribers),
// tier recalculation (tier-recalc), SLA alarms (service-sla, delayed jobs), a webhook delivered after
// retries (webhook-deliveries), then a restart that must find every record where it was.

const ADMIN = { email: 'admin@embedded.test', password: 'embedded-admin-1' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('embedded mode: npm start with nothing installed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-embedded-'));
  const logFile = join(dataDir, 'server.log');
  // mkdtemp makes it 0700: as root, the server runs as the postgres OS user, who must reach the data directory.
  chmodSync(dataDir, 0o755);
  let server: ServerProcess;
  let t: TestApp;
  const partners = new WebhookPartners(() => t);

  const start = async () => {
    await server.start(120_000);
    const http = request(`http://127.0.0.1:${server.port}`);
    const login = await http.post(`${API}/auth/login`).send(ADMIN).expect(200);
    t = { http, adminToken: login.body.accessToken } as unknown as TestApp;
  };

  beforeAll(async () => {
    const port = await freePort();
    server = new ServerProcess(
      'embedded',
      port,
      {
        CRM_EMBEDDED: 'true',
        CRM_DATA_DIR: join(dataDir, 'data'),
        // Nothing listens there: were anything to use Redis, it would fail.
        REDIS_URL: 'redis://127.0.0.1:1',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_RETRY_BASE_DELAY_MS: '200',
        TIER_RECALC_DEBOUNCE_MS: '50',
      },
      logFile,
    );
    await start();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await partners.closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('says which mode it runs in and where the data lives, in plain lines', () => {
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(
      /^Embedded mode \(CRM_EMBEDDED=true\): PostgreSQL \d+\.\d+ on 127\.0\.0\.1:\d+, queues in it too \(no Redis\); data in .*crm-embedded-.*\/data \(created now\)/m,
    );
    expect(log).toMatch(new RegExp(`^Docs: http://localhost:${server.port}/docs$`, 'm'));
  });

  it('is ready with its database and its queues in PostgreSQL', async () => {
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.checks).toStrictEqual({ database: { status: 'up' }, queues: { status: 'up' } });
  });

  let customerId: string;
  let lateRequestId: string;

  it('credits points for a purchase and places the customer in a tier', async () => {
    await t.http
      .put(`${API}/admin/tiers`)
      .set(bearer(t.adminToken))
      .send({
        tiers: [
          { name: '高', rank: 1, minScore: 10, earnMultiplier: '1.50', benefits: ['优先服务'] },
          { name: '低', rank: 2, earnMultiplier: '1.00', benefits: [] },
        ],
      })
      .expect(200);
    customerId = (await customer(t, t.adminToken, { name: '嵌入式客户' })).id;
    await purchase(t, t.adminToken, customerId, '128.50');
    const loyalty = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(t.adminToken)).expect(200))
          .body;
        return body.balance === 128 && body.tier !== null ? body : null;
      },
      30_000,
      'points and a tier',
    );
    expect(loyalty.tier).toBe('低');
  }, 120_000);

  it('rings the SLA alarm of a late service request: breached and escalated', async () => {
    const current = (await t.http.get(`${API}/admin/sla-policies`).set(bearer(t.adminToken)).expect(200)).body;
    await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version))
      .send({
        policies: [
          ...current.data.filter(
            (policy: { tier: string; severity: string }) => policy.tier !== '低' || policy.severity !== 'high',
          ),
          { tier: '低', severity: 'high', firstResponseMinutes: 1, resolutionMinutes: 2, warningPercent: 50 },
        ],
      })
      .expect(200);
    const late = await serviceRequest(t, t.adminToken, customerId, {
      severity: 'high',
      receivedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    });
    lateRequestId = late.id;
    const escalated = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/service-requests/${late.id}`).set(bearer(t.adminToken)).expect(200))
          .body;
        // Both clocks are past due; their alarms are separate jobs, so wait for both breaches.
        return body.responseBreachedAt && body.resolutionBreachedAt ? body : null;
      },
      30_000,
      'both breaches',
    );
    expect(escalated.escalationLevel).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('delivers a webhook to a receiver that fails twice, on the third attempt', async () => {
    const flaky = await partners.receiver((attempt) => (attempt <= 2 ? 503 : 204));
    await partners.subscribe(flaky, ['purchase.recorded']);
    await purchase(t, t.adminToken, customerId, '10.00');
    const [delivered] = await waitFor(
      async () => (flaky.received.length ? flaky.received : null),
      30_000,
      'the delivery',
    );
    expect(delivered.payload.type).toBe('purchase.recorded');
    expect(flaky.attemptsFor(delivered.webhookId)).toBe(3);
  }, 120_000);

  it('runs a customer CSV import on the Postgres queue backend, and merges the duplicate it made', async () => {
    const file = Buffer.from(
      '\ufeff姓名,手机,出生年月日\r\n嵌入导入甲,13600136001,1985年3月2日\r\n嵌入导入乙,bad,\r\n',
    );
    const started = await t.http
      .post(`${API}/customers/imports`)
      .set(bearer(t.adminToken))
      .attach('file', file, { filename: 'embedded.csv', contentType: 'text/csv' })
      .expect(202);
    const done = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/customers/imports/${started.body.id}`).set(bearer(t.adminToken))).body;
        return body.status === 'completed' ? body : null;
      },
      60_000,
      'the import to complete',
    );
    expect(done.counts).toMatchObject({ created: 1, rejected: 1 });
    const twin = await customer(t, t.adminToken, { name: '嵌入导入甲', mobile: '13600136001' });
    const candidates = await t.http.get(`${API}/customers/${twin.id}/duplicates`).set(bearer(t.adminToken)).expect(200);
    expect(candidates.body.data).toHaveLength(1);
    expect(candidates.body.data[0].score).toBe(80);
    await t.http
      .post(`${API}/customers/${twin.id}/merge`)
      .set(bearer(t.adminToken))
      .send({ duplicateId: candidates.body.data[0].candidateId })
      .expect(200);
    await t.http.get(`${API}/customers/${candidates.body.data[0].candidateId}`).set(bearer(t.adminToken)).expect(308);
  }, 120_000);

  it('serves the queue admin endpoints and the dashboard from the Postgres backend', async () => {
    const queues = (await t.http.get(`${API}/admin/queues`).set(bearer(t.adminToken)).expect(200)).body.data;
    // the housekeeping schedules, registered at start-up, wait as delayed jobs
    const maintenance = queues.find((queue: { name: string }) => queue.name === 'maintenance');
    expect(maintenance.counts.delayed).toBeGreaterThanOrEqual(1);
    const board = await t.http.get(`${API}/admin/queues/ui/api/queues`).set(bearer(t.adminToken)).expect(200);
    expect(board.body.queues.map((queue: { name: string }) => queue.name)).toContain('service-sla');
  });

  it('keeps every record across a restart, in the same data directory', async () => {
    await server.stop('SIGTERM', 30_000);
    // A clean exit: the application closed first, then the embedded PostgreSQL.
    expect(server.exits.at(-1)).toStrictEqual({ code: 0, signal: null });
    expect(await httpStatus(`http://127.0.0.1:${server.port}/health/live`)).toBe(0);
    await start();
    expect(readFileSync(logFile, 'utf8')).toMatch(/\(kept between runs\)/);
    const loyalty = (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(t.adminToken)).expect(200))
      .body;
    expect(loyalty.balance).toBe(138);
    const late = (await t.http.get(`${API}/service-requests/${lateRequestId}`).set(bearer(t.adminToken)).expect(200))
      .body;
    expect(late.escalationLevel).toBeGreaterThanOrEqual(1);
    // and it still works: the queues came back with it
    await purchase(t, t.adminToken, customerId, '5.00');
    await waitFor(
      async () =>
        (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(t.adminToken)).expect(200)).body
          .balance === 143,
      30_000,
      'points after the restart',
    );
  }, 180_000);
});
