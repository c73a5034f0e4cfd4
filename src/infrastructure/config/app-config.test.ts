import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('has working defaults for local use', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/crm');
    assert.equal(config.PROCESS_ROLE, 'all');
    assert.equal(config.WEBHOOK_ALLOW_PRIVATE, false);
  });

  it('converts numbers and booleans', () => {
    const config = loadConfig({ PORT: '8080', WEBHOOK_ALLOW_PRIVATE: 'true' });
    assert.equal(config.PORT, 8080);
    assert.equal(config.WEBHOOK_ALLOW_PRIVATE, true);
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['a port that is not a number', { PORT: 'eighty' }, /PORT="eighty"/],
    ['an unknown role', { PROCESS_ROLE: 'both' }, /PROCESS_ROLE="both"/],
    ['a malformed database URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    ['a boolean that is not one', { WEBHOOK_ALLOW_PRIVATE: 'maybe' }, /WEBHOOK_ALLOW_PRIVATE/],
    ['production without a JWT secret', { NODE_ENV: 'production' }, /JWT_SECRET: required/],
    ['a JWT secret that is too short', { JWT_SECRET: 'short' }, /JWT_SECRET/],
    ['private webhook targets in production', { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), WEBHOOK_ALLOW_PRIVATE: 'true' }, /WEBHOOK_ALLOW_PRIVATE: not allowed/],
    ['a webhook allow-list entry that is not a host or range', { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/33, ok.example' }, /WEBHOOK_ALLOWED_HOSTS: "127.0.0.1\/33"/],
  ];
  for (const [what, env, message] of invalid) {
    it(`refuses ${what}, naming the variable`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('reads the webhook allow-list as host names, addresses and ranges', () => {
    assert.deepEqual(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1/32, hooks.internal ,::1' }).webhookAllowedHosts, ['127.0.0.1/32', 'hooks.internal', '::1']);
  });

  it('reports every bad variable at once', () => {
    assert.throws(() => loadConfig({ PORT: 'x', REDIS_URL: '::' }), (error: Error) => /PORT/.test(error.message) && /REDIS_URL/.test(error.message));
  });
});
