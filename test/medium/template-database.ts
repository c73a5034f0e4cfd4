import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/infrastructure/config/app-config.js';
import { dataSourceOptions } from '../../src/infrastructure/database/data-source-options.js';
import { runMigrations } from '../../src/infrastructure/database/prepare-database.js';

// The medium tier: repositories and use cases against a real database, without booting Nest. Each run
// has one template database (made empty by the project's globalSetup, which Jest loads outside ESM, so
// it cannot import the sources); the first medium file migrates it, and each file works on a copy of
// its own (CREATE DATABASE … TEMPLATE: a file copy, well under a second), dropped at the end.

/** Where globalSetup leaves the template's URL for the test workers it starts. */
export const TEMPLATE_URL_VARIABLE = 'CRM_MEDIUM_TEMPLATE_URL';
/** Serialises migrating and copying the template across parallel files (a copy needs the template idle). */
const TEMPLATE_LOCK_KEY = 7_340_113;

function serverUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

const uniqueSuffix = () => `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A session that has just ended can linger on the template for a moment (55006: in use by other users); Postgres waits 5 s, a busy machine may need longer. */
async function copyDatabase(client: pg.Client, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt === 5) throw error;
    }
  }
}

export interface MediumDatabase {
  /** A TypeORM data source on the copy, as repositories take it. */
  dataSource: DataSource;
  url: string;
  /** Closes the connections and drops the copy. */
  close(): Promise<void>;
}

/** A migrated database of the test file's own, copied from the run's template. */
export async function copyOfTemplateDatabase(): Promise<MediumDatabase> {
  const templateUrl = process.env[TEMPLATE_URL_VARIABLE];
  if (!templateUrl)
    throw new Error(
      `${TEMPLATE_URL_VARIABLE} is not set: medium tests run in the medium Jest project, whose globalSetup makes the template`,
    );
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `crm_medium_${uniqueSuffix()}`;
  await onServer(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      // The first file migrates; for the others nothing is pending (runMigrations closes its connections).
      await runMigrations(loadConfig({ NODE_ENV: 'test', DATABASE_URL: templateUrl, LOG_LEVEL: 'silent' }));
      await copyDatabase(client, template, name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  });
  const url = serverUrl(name);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent', DATABASE_POOL_SIZE: '4' });
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  return {
    dataSource,
    url,
    async close() {
      await dataSource.destroy();
      await onServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
