import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isRedisUnavailable, isRetryableTransactionError } from './unavailable.js';

const queryFailed = (code: string, message = 'failed') =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('which failures are a dependency being unavailable (503), not a bug (500)', () => {
  it('counts Postgres shutting down, starting up and refusing connections as unavailable', () => {
    for (const code of ['57P01', '57P02', '57P03', '53300', '08006', '08001'])
      expect(isDatabaseUnavailable(queryFailed(code))).toBe(true);
  });

  it('counts a serialization failure or deadlock left after the retries as unavailable', () => {
    for (const code of ['40001', '40P01']) {
      expect(isRetryableTransactionError(queryFailed(code))).toBe(true);
      expect(isDatabaseUnavailable(queryFailed(code))).toBe(true);
    }
  });

  it('counts refused sockets, dead connections and pool timeouts as unavailable', () => {
    expect(
      isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))),
    ).toBe(true);
  });

  it('leaves constraint violations and bugs alone', () => {
    for (const code of ['23505', '22003', '42P01']) expect(isDatabaseUnavailable(queryFailed(code))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetryableTransactionError(queryFailed('23505'))).toBe(false);
  });

  it('counts a fail-fast Redis command on a closed connection as unavailable', () => {
    expect(isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isRedisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
  });
});
