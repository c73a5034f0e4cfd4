import type { RedisOptions } from 'ioredis';

/** ioredis options from a redis:// or rediss:// URL. */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/** For producers and request paths: fail at once while Redis is down instead of queueing commands. */
export function failFastRedisOptions(redisUrl: string): RedisOptions {
  return {
    ...redisOptionsFromUrl(redisUrl),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
  };
}

/** A worker's connection made from a producer's: commands wait for the reconnection instead of failing. */
export function reconnectingWorkerConnection(options: RedisOptions): RedisOptions {
  return { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null };
}
