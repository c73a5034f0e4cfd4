import type { DataSourceOptions } from 'typeorm';
import pg from 'pg';
import { migrations } from '../../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';

export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: { max: config.DATABASE_POOL_SIZE, application_name: `crm-${config.PROCESS_ROLE}` },
  };
}

// DATE columns stay 'YYYY-MM-DD' strings: parsing them into JS Dates would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
