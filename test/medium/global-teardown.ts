import pg from 'pg';

/** Drops the run's template database (see global-setup.ts). */
export default async function dropTemplateDatabase(): Promise<void> {
  const template = process.env.CRM_MEDIUM_TEMPLATE_URL;
  if (!template) return;
  const name = new URL(template).pathname.slice(1);
  const url = new URL(template);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
