import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isRedisUnavailable, isRetryableTransactionError } from './unavailable.js';

const queryFailed = (code: string, message = 'failed') => new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('which failures are a dependency being unavailable (503), not a bug (500)', () => {
  it('counts Postgres shutting down, starting up and refusing connections as unavailable', () => {
    for (const code of ['57P01', '57P02', '57P03', '53300', '08006', '08001']) assert.ok(isDatabaseUnavailable(queryFailed(code)), code);
  });

  it('counts a serialization failure or deadlock left after the retries as unavailable', () => {
    for (const code of ['40001', '40P01']) {
      assert.ok(isRetryableTransactionError(queryFailed(code)), code);
      assert.ok(isDatabaseUnavailable(queryFailed(code)), code);
    }
  });

  it('counts refused sockets, dead connections and pool timeouts as unavailable', () => {
    assert.ok(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
    assert.ok(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')));
    assert.ok(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))));
  });

  it('leaves constraint violations and bugs alone', () => {
    for (const code of ['23505', '22003', '42P01']) assert.equal(isDatabaseUnavailable(queryFailed(code)), false, code);
    assert.equal(isDatabaseUnavailable(new TypeError('x is undefined')), false);
    assert.equal(isRetryableTransactionError(queryFailed('23505')), false);
  });

  it('counts a fail-fast Redis command on a closed connection as unavailable', () => {
    assert.ok(isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false")));
    assert.ok(isRedisUnavailable(new Error('Connection is closed.')));
    assert.equal(isRedisUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')), false);
  });
});
