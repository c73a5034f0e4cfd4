import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { TooManyRequests, Unavailable } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { CoordinationStore } from '../../infrastructure/coordination/coordination-store.js';

const WINDOW_SECONDS = 60;
// An office behind one address has many people logging in; the per-address limit is this many times the per-account one.
const ADDRESS_LIMIT_FACTOR = 5;

/**
 * Fixed one-minute windows per client address and per e-mail, counted in the CoordinationStore (Redis,
 * or Postgres in the embedded mode) so every api replica shares them. If it is unreachable the limit cannot be counted, so log-in fails closed: 503 with
 * Retry-After until Redis is back, rather than letting unlimited password guesses through (issue 11,
 * item 6). Signed-in users are unaffected: access tokens and refreshes do not need Redis.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);

  constructor(
    private readonly store: CoordinationStore,
    private readonly config: AppConfig,
  ) {}

  async check(clientAddress: string, email: string): Promise<void> {
    // The account's counter is keyed by a hash of its e-mail: Redis holds no e-mail addresses.
    const keys = [
      `login:ip:${clientAddress}`,
      `login:email:${createHash('sha256').update(email.toLowerCase()).digest('hex')}`,
    ];
    let counts: number[];
    try {
      counts = await this.store.countInWindows(keys, WINDOW_SECONDS);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'log-in refused: the rate limit cannot be counted while its store (Redis) is unavailable',
      );
      throw new Unavailable('Log-in is unavailable for a moment: attempts cannot be counted. Try again shortly.', 5);
    }
    const [perAddress, perAccount] = counts;
    const limit = this.config.LOGIN_MAX_ATTEMPTS_PER_MINUTE;
    if (perAccount > limit || perAddress > limit * ADDRESS_LIMIT_FACTOR) {
      throw new TooManyRequests('Too many log-in attempts; wait a minute and try again.', WINDOW_SECONDS);
    }
  }
}
