import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { isRetryableTransactionError } from '../../common/errors/unavailable.js';

export type Tx = EntityManager;

/** A serialization failure or deadlock is tried this many times in all; then it is a 503 (the filter). */
export const TRANSACTION_ATTEMPTS = 3;

/** Opens short explicit transactions; services pass the manager on to repositories and the outbox. */
@Injectable()
export class TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a transaction. A serialization failure (40001) or deadlock (40P01) rolled the whole
   * transaction back, so it is run again from the start, after a short random pause that lets the
   * other party finish; `work` must therefore keep its effects inside the transaction (it does:
   * no network calls inside transactions).
   */
  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        await sleep(5 + Math.random() * 20 * attempt);
      }
    }
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
