import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { LoyaltyDailyProcessor } from '../src/modules/loyalty/loyalty-daily.processor.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { customer, purchase } from './support/factories.js';
import { earnAtBaseRateInEveryTier } from './support/loyalty.js';

type User = Awaited<ReturnType<typeof createUser>>;

describe('loyalty points', () => {
  let t: TestApp;
  let sales: User;
  let manager: User;
  let agent: User;
  let marketing: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id });
    agent = await createUser(t, ['agent']);
    marketing = await createUser(t, ['marketing']);
    // Tier multipliers are tested with tiers.
    await earnAtBaseRateInEveryTier(t);
  }, 180_000);
  afterAll(() => t.close(), 180_000);

  const newCustomer = async () => (await customer(t, sales.token, { name: '积分客户' })).id;
  const buy = async (customerId: string, amount: string) => (await purchase(t, sales.token, customerId, amount)).id;
  const balanceOf = async (customerId: string) =>
    (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(agent.token)).expect(200)).body
      .balance as number;
  const waitForBalance = (customerId: string, expected: number) =>
    waitFor(async () => (await balanceOf(customerId)) === expected, 15_000, `balance ${expected}`);
  const ledgerSum = async (customerId: string) =>
    (
      await t.db.query(`SELECT coalesce(sum(points), 0)::int AS sum FROM loyalty_ledger WHERE customer_id = $1`, [
        customerId,
      ])
    ).rows[0].sum;
  const newReward = async (pointsCost: number, stock: number) =>
    (
      await t.http
        .post(`${API}/loyalty/rewards`)
        .set(bearer(marketing.token))
        .send({ name: `电影票 ${randomUUID().slice(0, 4)}`, pointsCost, stock })
        .expect(201)
    ).body;
  const redeem = (customerId: string, rewardId: string, key?: string) => {
    const request = t.http.post(`${API}/customers/${customerId}/loyalty/redemptions`).set(bearer(agent.token));
    if (key) request.set('idempotency-key', key);
    return request.send({ rewardId });
  };

  it('earns a point per whole yuan on each purchase, once', async () => {
    const customer = await newCustomer();
    await buy(customer, '199.99');
    await buy(customer, '0.50');
    await waitForBalance(customer, 199);
    const ledger = await t.http.get(`${API}/customers/${customer}/loyalty/ledger`).set(bearer(sales.token)).expect(200);
    expect(ledger.body.data.map((entry: { kind: string; points: number }) => [entry.kind, entry.points])).toStrictEqual(
      [['earn', 199]],
    );
    expect(await ledgerSum(customer)).toBe(199);
  }, 180_000);

  it('never spends a point twice: 50 concurrent redemptions of the same points', async () => {
    const customer = await newCustomer();
    await buy(customer, '1000.00');
    await waitForBalance(customer, 1000);
    const reward = await newReward(100, 1000);
    const responses = await Promise.all(Array.from({ length: 50 }, () => redeem(customer, reward.id)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(
      responses
        .filter((response) => response.status !== 201 && response.status !== 422)
        .map((response) => [response.status, response.body]),
    ).toStrictEqual([]);
    expect(await balanceOf(customer)).toBe(0);
    expect(await ledgerSum(customer)).toBe(0);
    const stock = await t.db.query(`SELECT stock FROM loyalty_rewards WHERE id = $1`, [reward.id]);
    expect(stock.rows[0].stock).toBe(990);
    const refused = responses.find((response) => response.status === 422)!;
    expect(refused.body.type).toBe('/problems/insufficient-points');
  }, 180_000);

  it('refuses a redemption when the stock is short and spends nothing', async () => {
    const customer = await newCustomer();
    await buy(customer, '500.00');
    await waitForBalance(customer, 500);
    const reward = await newReward(100, 1);
    await redeem(customer, reward.id).expect(201);
    const response = await redeem(customer, reward.id).expect(409);
    expect(response.body.type).toBe('/problems/out-of-stock');
    expect(await balanceOf(customer)).toBe(400);
  }, 180_000);

  it('does not spend twice when a redemption is retried with the same Idempotency-Key', async () => {
    const customer = await newCustomer();
    await buy(customer, '300.00');
    await waitForBalance(customer, 300);
    const reward = await newReward(100, 10);
    const key = randomUUID();
    const first = await redeem(customer, reward.id, key).expect(201);
    const retry = await redeem(customer, reward.id, key).expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await balanceOf(customer)).toBe(200);
  }, 180_000);

  it('takes back the points of a refunded purchase', async () => {
    const customer = await newCustomer();
    const purchase = await buy(customer, '250.00');
    await buy(customer, '100.00');
    await waitForBalance(customer, 350);
    await t.http
      .post(`${API}/purchases/${purchase}/refund`)
      .set(bearer(sales.token))
      .send({ reason: '退货' })
      .expect(200);
    await waitForBalance(customer, 100);
    expect(await ledgerSum(customer)).toBe(100);
  }, 180_000);

  it('writes off, rather than going below zero, points of a refund that were already spent', async () => {
    const customer = await newCustomer();
    const purchase = await buy(customer, '200.00');
    await waitForBalance(customer, 200);
    const reward = await newReward(150, 10);
    await redeem(customer, reward.id).expect(201);
    await t.http.post(`${API}/purchases/${purchase}/refund`).set(bearer(sales.token)).send({}).expect(200);
    await waitForBalance(customer, 0);
    const reversal = await t.db.query(
      `SELECT points::int AS points, reason FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'reversal'`,
      [customer],
    );
    expect(reversal.rows[0].points).toBe(-50);
    expect(reversal.rows[0].reason).toMatch(/150 points already spent were written off/);
  }, 180_000);

  it('lets a manager adjust points with an audited reason, and not a salesperson', async () => {
    const customer = await newCustomer();
    await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(sales.token))
      .send({ points: 100, reason: '补偿' })
      .expect(403);
    const entry = await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 100, reason: '安装延误补偿' })
      .expect(201);
    expect(entry.body.balanceAfter).toBe(100);
    await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: -101, reason: '更正多扣的积分' })
      .expect(422);
    await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 0, reason: '更正多扣的积分' })
      .expect(400);
    await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 5 })
      .expect(400);
    const audit = await t.db.query(
      `SELECT actor_id, after FROM audit_log WHERE entity_id = $1 AND action = 'loyalty.points_adjusted'`,
      [customer],
    );
    expect(audit.rows[0].actor_id).toBe(manager.id);
    expect(audit.rows[0].after.reason).toBe('安装延误补偿');
  }, 180_000);

  it('keeps the ledger sum equal to the balance under concurrent earning, redeeming and adjusting', async () => {
    const customer = await newCustomer();
    await t.http
      .post(`${API}/customers/${customer}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 500, reason: '开户礼' })
      .expect(201);
    const reward = await newReward(30, 1000);
    // More concurrent requests than the pool has connections, so nothing may wait on a second connection while holding a lock.
    await Promise.all([
      ...Array.from({ length: 10 }, () => buy(customer, '20.00')),
      ...Array.from({ length: 20 }, () => redeem(customer, reward.id)),
      ...Array.from({ length: 5 }, () =>
        t.http
          .post(`${API}/customers/${customer}/loyalty/adjustments`)
          .set(bearer(manager.token))
          .send({ points: -10, reason: '并发扣减' }),
      ),
    ]);
    const earned = await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT count(*)::int AS n FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'earn'`,
          [customer],
        );
        return rows[0].n === 10 ? true : undefined;
      },
      15_000,
      'ten earnings',
    );
    expect(earned).toBe(true);
    const balance = await balanceOf(customer);
    expect(balance).toBeGreaterThanOrEqual(0);
    expect(await ledgerSum(customer)).toBe(balance);
  }, 180_000);

  it('manages the reward catalogue: marketing and admins only', async () => {
    await t.http
      .post(`${API}/loyalty/rewards`)
      .set(bearer(sales.token))
      .send({ name: 'x', pointsCost: 1, stock: 1 })
      .expect(403);
    await t.http
      .post(`${API}/loyalty/rewards`)
      .set(bearer(marketing.token))
      .send({ name: 'x', pointsCost: 0, stock: 1 })
      .expect(400);
    const reward = await newReward(10, 5);
    const updated = await t.http
      .patch(`${API}/loyalty/rewards/${reward.id}`)
      .set(bearer(t.adminToken))
      .set('if-match', '1')
      .send({ active: false })
      .expect(200);
    expect(updated.body.active).toBe(false);
    const listed = await t.http.get(`${API}/loyalty/rewards`).set(bearer(agent.token)).expect(200);
    expect(listed.body.data.some((entry: { id: string }) => entry.id === reward.id)).toBe(false);
    const customer = await newCustomer();
    await redeem(customer, reward.id).expect(422);
    await t.http.get(`${API}/customers/${randomUUID()}/loyalty`).set(bearer(agent.token)).expect(404);
  }, 180_000);
});

describe('points expiry and birthday rewards', () => {
  let t: TestApp;
  let sales: User;
  beforeAll(async () => {
    t = await startTestApp({ LOYALTY_POINTS_EXPIRE_MONTHS: '24', LOYALTY_BIRTHDAY_POINTS: '88' });
    sales = await createUser(t, ['sales']);
  }, 120_000);
  afterAll(() => t.close(), 120_000);

  const today = new Date().toISOString().slice(0, 10);
  const balanceOf = async (customerId: string) =>
    (await t.db.query(`SELECT balance::int AS balance FROM loyalty_accounts WHERE customer_id = $1`, [customerId]))
      .rows[0]?.balance ?? 0;
  const credit = (customerId: string, points: number, monthsAgo: number) =>
    t.db.query(
      `WITH account AS (INSERT INTO loyalty_accounts (customer_id, balance) VALUES ($1, greatest($2, 0)) ON CONFLICT (customer_id) DO UPDATE SET balance = loyalty_accounts.balance + $2 RETURNING balance)
       INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, created_at)
       SELECT $1, CASE WHEN $2 > 0 THEN 'adjust' ELSE 'redeem' END, $2, balance, 'test', gen_random_uuid()::text, now() - make_interval(months => $3) FROM account`,
      [customerId, points, monthsAgo],
    );

  it('expires exactly the unspent points credited before the cutoff, oldest first, once', async () => {
    const customer = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send({ kind: 'individual', name: '过期' })
        .expect(201)
    ).body.id;
    await credit(customer, 100, 30); // expired: credited 30 months ago
    await credit(customer, 40, 26); // expired too
    await credit(customer, 50, 1); // still valid
    await credit(customer, -60, 12); // spent from the oldest
    const processor = t.app.get(LoyaltyDailyProcessor);
    expect(await processor.expirePoints(today)).toBe(80);
    expect(await balanceOf(customer)).toBe(50);
    // a rerun on the same day expires nothing
    expect(await processor.expirePoints(today)).toBe(0);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    // nothing more is due tomorrow
    expect(await processor.expirePoints(tomorrow)).toBe(0);
    const sum = await t.db.query(`SELECT sum(points)::int AS sum FROM loyalty_ledger WHERE customer_id = $1`, [
      customer,
    ]);
    expect(sum.rows[0].sum).toBe(50);
  }, 120_000);

  it('gives the birthday reward once a year', async () => {
    const birthDate = `1990-${today.slice(5)}` === '1990-02-29' ? '1992-02-29' : `1990-${today.slice(5)}`;
    const customer = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send({ kind: 'individual', name: '寿星', birthDate })
        .expect(201)
    ).body.id;
    const other = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send({
          kind: 'individual',
          name: '非寿星',
          birthDate: '1990-01-01' === birthDate ? '1990-01-02' : '1990-01-01',
        })
        .expect(201)
    ).body.id;
    const processor = t.app.get(LoyaltyDailyProcessor);
    expect(await processor.birthdayRewards(today)).toBeGreaterThanOrEqual(1);
    expect(await balanceOf(customer)).toBe(88);
    expect(await balanceOf(other)).toBe(0);
    await processor.birthdayRewards(today);
    // once a year, however often the job runs
    expect(await balanceOf(customer)).toBe(88);
    const event = await t.db.query(
      `SELECT 1 FROM outbox WHERE type = 'loyalty.birthday_rewarded' AND aggregate_id = $1`,
      [customer],
    );
    expect(event.rowCount).toBe(1);
  }, 120_000);
});
