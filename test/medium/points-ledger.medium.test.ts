import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Tx } from '../../src/infrastructure/database/transaction-runner.js';
import { InsufficientPoints } from '../../src/modules/loyalty/loyalty-errors.js';
import { LoyaltyRepository } from '../../src/modules/loyalty/loyalty.repository.js';
import { PointsLedger } from '../../src/modules/loyalty/points-ledger.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

describe('PointsLedger.apply', () => {
  let database: MediumDatabase;
  let loyalty: LoyaltyRepository;
  let ledger: PointsLedger;

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    loyalty = new LoyaltyRepository(database.dataSource);
    ledger = new PointsLedger(loyalty);
  });
  afterAll(() => database?.close());

  const newCustomer = async (): Promise<string> => {
    const [row] = await database.dataSource.query(
      `INSERT INTO customers (kind, name) VALUES ('individual', '积分测试') RETURNING id`,
    );
    return row.id as string;
  };
  /** The statements a transaction sends that lock the customer's account. */
  const accountLocks = (query: { mock: { calls: unknown[][] } }) =>
    query.mock.calls.filter(([sql]) => /FROM loyalty_accounts .*FOR UPDATE/s.test(String(sql))).length;
  const inTransaction = <T>(work: (tx: Tx, query: { mock: { calls: unknown[][] } }) => Promise<T>) =>
    database.dataSource.transaction(async (tx) => work(tx, jest.spyOn(tx, 'query')));

  it('locks the account once when the caller passes the balance it locked, with the same entry and balance as without', async () => {
    const customerId = await newCustomer();
    const first = await inTransaction(async (tx, query) => {
      const result = await ledger.apply(tx, {
        customerId,
        kind: 'earn',
        points: 50,
        sourceType: 'purchase',
        sourceId: 'p-1',
        actorType: 'system',
      });
      expect(accountLocks(query)).toBe(1);
      return result;
    });
    expect(first).toMatchObject({ applied: true, entry: { points: 50, balanceAfter: 50 } });

    const second = await inTransaction(async (tx, query) => {
      const balance = await ledger.lockedBalance(tx, customerId);
      const result = await ledger.apply(
        tx,
        { customerId, kind: 'earn', points: 30, sourceType: 'purchase', sourceId: 'p-2', actorType: 'system' },
        { balance },
      );
      expect(accountLocks(query)).toBe(1);
      return result;
    });
    expect(second).toMatchObject({ applied: true, entry: { points: 30, balanceAfter: 80 } });
    expect(await loyalty.balance(customerId)).toBe(80);
  });

  it('with a passed balance still returns the existing entry on a rerun and refuses to go below zero', async () => {
    const customerId = await newCustomer();
    const entry = {
      customerId,
      kind: 'earn' as const,
      points: 20,
      sourceType: 'purchase',
      sourceId: 'p-3',
      actorType: 'system' as const,
    };
    await inTransaction(async (tx) => ledger.apply(tx, entry, { balance: await ledger.lockedBalance(tx, customerId) }));
    const rerun = await inTransaction(async (tx) =>
      ledger.apply(tx, entry, { balance: await ledger.lockedBalance(tx, customerId) }),
    );
    expect(rerun).toMatchObject({ applied: false, entry: { points: 20, balanceAfter: 20 } });
    await expect(
      inTransaction(async (tx) =>
        ledger.apply(
          tx,
          { customerId, kind: 'reversal', points: -21, sourceType: 'purchase', sourceId: 'p-3', actorType: 'system' },
          { balance: await ledger.lockedBalance(tx, customerId) },
        ),
      ),
    ).rejects.toBeInstanceOf(InsufficientPoints);
    expect(await loyalty.balance(customerId)).toBe(20);
  });
});
