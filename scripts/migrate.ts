import 'reflect-metadata';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';

/** Creates the database if needed and applies pending migrations: `npm run migrate`. */
const config = loadConfig();
const created = await ensureDatabaseExists(config.DATABASE_URL);
const applied = await runMigrations(config);
process.stdout.write(
  `${created ? 'created the database; ' : ''}${applied.length ? `applied ${applied.join(', ')}` : 'no pending migrations'}\n`,
);
