import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('has working defaults for local use', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/crm');
    expect(config.PROCESS_ROLE).toBe('all');
    expect(config.WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it('converts numbers and booleans', () => {
    const config = loadConfig({ PORT: '8080', WEBHOOK_ALLOW_PRIVATE: 'true' });
    expect(config.PORT).toBe(8080);
    expect(config.WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['a port that is not a number', { PORT: 'eighty' }, /PORT="eighty"/],
    ['an unknown role', { PROCESS_ROLE: 'both' }, /PROCESS_ROLE="both"/],
    ['a malformed database URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    ['a boolean that is not one', { WEBHOOK_ALLOW_PRIVATE: 'maybe' }, /WEBHOOK_ALLOW_PRIVATE/],
    ['production without a JWT secret', { NODE_ENV: 'production' }, /JWT_SECRET: required/],
    ['a JWT secret that is too short', { JWT_SECRET: 'short' }, /JWT_SECRET/],
    [
      'private webhook targets in production',
      { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), WEBHOOK_ALLOW_PRIVATE: 'true' },
      /WEBHOOK_ALLOW_PRIVATE: not allowed/,
    ],
    [
      'a webhook allow-list entry that is not a host or range',
      { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/33, ok.example' },
      /WEBHOOK_ALLOWED_HOSTS: "127.0.0.1\/33"/,
    ],
  ];
  for (const [what, env, message] of invalid) {
    it(`refuses ${what}, naming the variable`, () => {
      const load = () => loadConfig(env);
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(message);
    });
  }

  it('reads the webhook allow-list as host names, addresses and ranges', () => {
    expect(
      loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1/32, hooks.internal ,::1' }).webhookAllowedHosts,
    ).toStrictEqual(['127.0.0.1/32', 'hooks.internal', '::1']);
  });

  it('reports every bad variable at once', () => {
    const load = () => loadConfig({ PORT: 'x', REDIS_URL: '::' });
    expect(load).toThrow(/PORT/);
    expect(load).toThrow(/REDIS_URL/);
  });
});
