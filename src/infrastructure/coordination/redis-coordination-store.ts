import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.module.js';
import { CoordinationStore } from './coordination-store.js';

/** The coordination state in Redis, under the QUEUE_PREFIX key prefix (the client's `keyPrefix`). */
@Injectable()
export class RedisCoordinationStore extends CoordinationStore {
  readonly healthCheckName = 'redis';

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    super();
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async countInWindows(keys: string[], windowSeconds: number): Promise<number[]> {
    const pipeline = this.redis.multi();
    // SET NX starts the window on the first attempt (works on Redis 6 too, unlike EXPIRE NX).
    for (const key of keys) pipeline.set(key, 0, 'EX', windowSeconds, 'NX').incr(key);
    const results = (await pipeline.exec()) ?? [];
    return keys.map((_, index) => results[index * 2 + 1]?.[1] as number);
  }

  async setMarkerIfAbsent(key: string, value: string): Promise<boolean> {
    return (await this.redis.set(key, value, 'NX')) === 'OK';
  }

  async deleteMarker(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
