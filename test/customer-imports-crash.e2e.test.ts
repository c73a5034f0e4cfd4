import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/support.js';
import { API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';

// The built entry point (npm test builds first): a process of its own, so it can be killed outright.
const MAIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const ROWS = 20_000;

class WorkerProcess {
  private child?: ChildProcess;

  constructor(
    private readonly t: TestApp,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PROCESS_ROLE: 'worker',
        WORKER_PORT: String(this.port),
        DATABASE_URL: this.t.config.DATABASE_URL,
        REDIS_URL: this.t.config.REDIS_URL,
        QUEUE_PREFIX: this.t.config.QUEUE_PREFIX,
        RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'error',
        DATABASE_POOL_SIZE: '10',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => null))?.ok,
      60_000,
      'the worker to be ready',
    );
  }

  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.child?.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

describe('a customer import when its worker is killed mid-file', () => {
  let t: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    t = await startTestApp({ PROCESS_ROLE: 'api' });
    worker = new WorkerProcess(t, await freePort());
  }, 240_000);
  afterAll(async () => {
    await worker.stop();
    await t.close();
  }, 240_000);

  it(`resumes after a SIGKILL and creates each of ${ROWS} customers exactly once`, async () => {
    const lines = ['姓名,手机,电子邮件'];
    for (let n = 0; n < ROWS; n += 1)
      lines.push(n % 50 === 3 ? `崩溃${n},bad,` : `崩溃${n},+86139${String(n).padStart(8, '0')},crash${n}@example.cn`);
    const started = await t.http
      .post(`${API}/customers/imports`)
      .set(bearer(t.adminToken))
      .attach('file', Buffer.from(lines.join('\n')), 'crash.csv')
      .expect(202);
    const id: string = started.body.id;
    const progress = async () =>
      (await t.db.query(`SELECT status, records_done AS done FROM customer_imports WHERE id = $1`, [id])).rows[0] as {
        status: string;
        done: number;
      };

    await worker.start();
    await waitFor(async () => (await progress()).done >= 2_000, 120_000, 'the first batches');
    await worker.kill();
    const atKill = await progress();
    // the kill came mid-file (${atKill.done} records committed)
    expect(atKill.status).toBe('running');
    expect(atKill.done).toBeLessThan(ROWS);

    await worker.start();
    // The killed run's job comes back once its lock expires (BullMQ's stalled-job check) and resumes after the last committed batch.
    await waitFor(async () => (await progress()).status === 'completed', 240_000, 'the import to complete');

    const rejected = ROWS / 50;
    const outcome = await t.http.get(`${API}/customers/imports/${id}`).set(bearer(t.adminToken)).expect(200);
    expect(outcome.body.counts).toStrictEqual({
      rows: ROWS,
      created: ROWS - rejected,
      updated: 0,
      skipped: 0,
      rejected,
    });
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS customers, count(DISTINCT mobile)::int AS mobiles FROM customers WHERE name LIKE '崩溃%'`,
    );
    expect(rows[0]).toStrictEqual({ customers: ROWS - rejected, mobiles: ROWS - rejected });
    const events = await t.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT aggregate_id)::int AS distinct_customers FROM outbox WHERE type = 'customer.created'`,
    );
    expect(events.rows[0]).toStrictEqual({ n: ROWS - rejected, distinct_customers: ROWS - rejected });
    const rejections = await t.db.query(
      `SELECT count(*)::int AS n FROM customer_import_rejections WHERE import_id = $1`,
      [id],
    );
    expect(rejections.rows[0].n).toBe(rejected);
  }, 600_000);
});
