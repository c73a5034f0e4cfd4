import type { DataSourceOptions } from 'typeorm';
import pg from 'pg';
import { migrations } from '../../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';

/**
 * Session settings for every connection. Requests are short OLTP queries: letting Postgres spread one
 * of them over parallel workers costs more than it saves on a few cores (a one-character search took
 * 73 ms in parallel and 3.5 ms without on 2 cores), and the other requests want those cores.
 */
export const POSTGRES_SESSION_OPTIONS = '-c max_parallel_workers_per_gather=0';

export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: {
      max: config.DATABASE_POOL_SIZE,
      // Without it a request waits for ever for a connection while every one is busy or Postgres is unreachable.
      connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
      application_name: `crm-${config.PROCESS_ROLE}`,
      options: POSTGRES_SESSION_OPTIONS,
    },
  };
}

// DATE columns stay 'YYYY-MM-DD' strings: parsing them into JS Dates would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
