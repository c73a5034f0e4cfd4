import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { type AppConfig, ConfigError, loadConfig } from './infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from './infrastructure/database/prepare-database.js';
import { decideStartMode } from './infrastructure/embedded/embedded-mode.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './infrastructure/embedded/embedded-postgres.js';
import { UsersService } from './modules/identity/users.service.js';
import pino from 'pino';

const log = pino({ name: 'bootstrap' });

/** Start-up: validate configuration, decide the mode, prepare the database, then serve the configured role. */
async function main(): Promise<void> {
  let config = configOrExit(process.env);
  const mode = await decideStartMode(process.env);
  let embedded: EmbeddedPostgres | undefined;
  if (mode.embedded) {
    if (config.PROCESS_ROLE !== 'all') {
      log.fatal('CRM_EMBEDDED=true needs PROCESS_ROLE=all: one process owns the embedded PostgreSQL');
      process.exit(78);
    }
    const started = Date.now();
    embedded = await startEmbeddedPostgres(config.CRM_DATA_DIR);
    config = configOrExit({ ...process.env, DATABASE_URL: embedded.url, QUEUE_BACKEND: 'postgres' });
    say(
      `Embedded mode (${mode.reason}): PostgreSQL ${embedded.version} on 127.0.0.1:${embedded.port}, ` +
        `queues in it too (no Redis); data in ${embedded.dataDir}` +
        `${embedded.created ? ' (created now)' : ' (kept between runs)'}; started in ${Date.now() - started} ms`,
    );
  } else {
    say(
      `Server mode: PostgreSQL ${redactedUrl(config.DATABASE_URL)}, ` +
        (config.QUEUE_BACKEND === 'redis' ? `Redis ${redactedUrl(config.REDIS_URL)}` : 'queues in PostgreSQL'),
    );
  }

  try {
    if (config.RUN_MIGRATIONS) {
      if (await ensureDatabaseExists(config.DATABASE_URL)) log.info('created the database');
      const applied = await runMigrations(config);
      if (applied.length) log.info({ applied }, 'applied migrations');
    }

    const app = await createApp(config, { shutdownHooks: !embedded });
    if (embedded) {
      // The application closes first (its jobs finish, its connections end), then the server it runs on.
      const server = embedded;
      let closing = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (closing) return;
        closing = true;
        log.info({ signal }, 'shutting down: the application, then the embedded PostgreSQL');
        app
          .close()
          .catch((error: unknown) => log.error({ err: error }, 'error while closing the application'))
          .then(() => server.stop())
          .then(
            () => process.exit(0),
            () => process.exit(1),
          );
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
    }
    if (config.PROCESS_ROLE !== 'worker')
      await app.get(UsersService).ensureFirstAdministrator(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
    const port = config.PROCESS_ROLE === 'worker' ? config.WORKER_PORT : config.PORT;
    await app.listen({ port, host: '0.0.0.0' });
    const url = `http://localhost:${port}`;
    if (config.PROCESS_ROLE === 'worker') {
      log.info(`worker running; health and metrics at ${url}/health/ready and ${url}/metrics`);
      say(`Worker health: ${url}/health/ready`);
    } else {
      log.info(`CRM ${config.PROCESS_ROLE} listening on ${url}/api/v1 — API docs at ${url}/docs`);
      say(`API:  ${url}/api/v1`);
      say(`Docs: ${url}/docs`);
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

function configOrExit(env: NodeJS.ProcessEnv): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log.fatal(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

function redactedUrl(value: string): string {
  const url = new URL(value);
  if (url.password) url.password = '***';
  return url.toString();
}

main().catch((error) => {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});

/**
 * A plain line on stdout for the person who started the server (the mode, where the data lives, the
 * URLs): issue 18 asks for these outside the JSON log records, which the logger writes beside them.
 */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
