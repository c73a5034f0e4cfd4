import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { type AppConfig, ConfigError, loadConfig } from './infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from './infrastructure/database/prepare-database.js';
import { UsersService } from './modules/identity/users.service.js';
import pino from 'pino';

const log = pino({ name: 'bootstrap' });

/** Start-up: validate configuration, prepare the database, then serve the configured role. */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log.fatal(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  if (config.RUN_MIGRATIONS) {
    if (await ensureDatabaseExists(config.DATABASE_URL)) log.info('created the database');
    const applied = await runMigrations(config);
    if (applied.length) log.info({ applied }, 'applied migrations');
  }

  const app = await createApp(config);
  if (config.PROCESS_ROLE !== 'worker')
    await app.get(UsersService).ensureFirstAdministrator(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
  const port = config.PROCESS_ROLE === 'worker' ? config.WORKER_PORT : config.PORT;
  await app.listen({ port, host: '0.0.0.0' });
  const url = `http://localhost:${port}`;
  if (config.PROCESS_ROLE === 'worker')
    log.info(`worker running; health and metrics at ${url}/health/ready and ${url}/metrics`);
  else log.info(`CRM ${config.PROCESS_ROLE} listening on ${url}/api/v1 — API docs at ${url}/docs`);
}

main().catch((error) => {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});
