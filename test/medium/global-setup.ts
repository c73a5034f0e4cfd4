import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Jest loads globalSetup as CommonJS in its own process, outside native ESM: it cannot import the
// application's sources, so it only creates the run's template database, empty; the first medium
// file migrates it (test/medium/template-database.ts). Workers inherit the variable it sets.
export default async function createTemplateDatabase(): Promise<void> {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `crm_template_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  process.env.CRM_MEDIUM_TEMPLATE_URL = url.toString();
}
