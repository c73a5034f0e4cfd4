import {
  type BackendFactory,
  createPostgresBackend,
  createRedisBackend,
  type IQueueBackend,
  type PostgresPoolConfig,
  setDefaultBackendFactory,
} from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';
import { failFastRedisOptions } from '../redis/redis-options.js';

/** BullMQ's tables live in this schema of the application's database when the queues run on Postgres. */
export const POSTGRES_QUEUE_SCHEMA = 'bullmq';

/** The `connection` option of a queue on BullMQ's Postgres backend (QUEUE_BACKEND=postgres, the embedded mode). */
export interface PostgresQueueConnection extends PostgresPoolConfig {
  connectionString: string;
  schema: string;
  migrate: true;
}

export function isPostgresQueueConnection(connection: unknown): connection is PostgresQueueConnection {
  return typeof connection === 'object' && connection !== null && 'connectionString' in connection;
}

/**
 * The `connection` every Queue and Worker of the application is built with: Redis (fail-fast, see
 * redis-options.ts) by default, or the application's own Postgres when QUEUE_BACKEND=postgres. The
 * backend is chosen from this value by the factory registered below, so one process can hold both
 * kinds (tests do) and nothing else in the code needs to know which it runs on.
 */
export function queueConnection(config: AppConfig): RedisOptions | PostgresQueueConnection {
  if (config.QUEUE_BACKEND === 'redis') return failFastRedisOptions(config.REDIS_URL);
  return {
    connectionString: config.DATABASE_URL,
    schema: POSTGRES_QUEUE_SCHEMA,
    // BullMQ creates and upgrades its schema itself, under an advisory lock (without this it refuses to start).
    migrate: true,
    application_name: `crm-${config.PROCESS_ROLE}-queues`,
    // Each Queue and Worker owns a pool (and a worker one more connection for LISTEN); keep them small.
    max: 2,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
  };
}

/**
 * Routes every Queue, Worker and FlowProducer to the backend its connection names: a Postgres pool
 * config (`connectionString`) goes to BullMQ's Postgres backend, anything else to Redis exactly as
 * BullMQ's own default does. A worker's pool gets a few more connections than a producer's, since it
 * completes many jobs at once.
 */
const routingBackendFactory: BackendFactory<IQueueBackend, unknown> = (name, opts, factoryOptions) => {
  if (!isPostgresQueueConnection(opts.connection))
    return createRedisBackend(name, opts as Parameters<typeof createRedisBackend>[1], factoryOptions);
  const connection = factoryOptions?.withBlockingConnection ? { ...opts.connection, max: 6 } : opts.connection;
  return createPostgresBackend(name, { ...opts, connection }, factoryOptions);
};
setDefaultBackendFactory(routingBackendFactory);
