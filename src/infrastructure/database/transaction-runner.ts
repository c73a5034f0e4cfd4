import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type Tx = EntityManager;

/** Opens short explicit transactions; services pass the manager on to repositories and the outbox. */
@Injectable()
export class TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
