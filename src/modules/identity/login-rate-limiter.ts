import { Inject, Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { TooManyRequests, Unavailable } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { REDIS } from '../../infrastructure/redis/redis.module.js';

const WINDOW_SECONDS = 60;
// An office behind one address has many people logging in; the per-address limit is this many times the per-account one.
const ADDRESS_LIMIT_FACTOR = 5;

/**
 * Fixed one-minute windows per client address and per e-mail, counted in Redis so every api replica
 * shares them. If Redis is unreachable the limit cannot be counted, so log-in fails closed: 503 with
 * Retry-After until Redis is back, rather than letting unlimited password guesses through (issue 11,
 * item 6). Signed-in users are unaffected: access tokens and refreshes do not need Redis.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async check(clientAddress: string, email: string): Promise<void> {
    const keys = [`login:ip:${clientAddress}`, `login:email:${email.toLowerCase()}`];
    let counts: number[];
    try {
      const pipeline = this.redis.multi();
      // SET NX starts the window on the first attempt (works on Redis 6 too, unlike EXPIRE NX).
      for (const key of keys) pipeline.set(key, 0, 'EX', WINDOW_SECONDS, 'NX').incr(key);
      const results = (await pipeline.exec()) ?? [];
      counts = [results[1]?.[1] as number, results[3]?.[1] as number];
    } catch (error) {
      this.logger.warn({ err: error }, 'log-in refused: the rate limit cannot be counted while Redis is unavailable');
      throw new Unavailable('Log-in is unavailable for a moment: attempts cannot be counted. Try again shortly.', 5);
    }
    const [perAddress, perAccount] = counts;
    const limit = this.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE;
    if (perAccount > limit || perAddress > limit * ADDRESS_LIMIT_FACTOR) {
      throw new TooManyRequests('Too many log-in attempts; wait a minute and try again.', WINDOW_SECONDS);
    }
  }
}
