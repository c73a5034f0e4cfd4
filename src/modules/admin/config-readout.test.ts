import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../infrastructure/config/app-config.js';
import { configReadout } from './config-readout.js';

describe('configuration read-out', () => {
  const readout = configReadout(
    loadConfig({
      JWT_SECRET: 'a-very-long-secret-value-of-32-chars!!',
      DATABASE_URL: 'postgres://crm:s3cret@db:5432/crm',
      ADMIN_PASSWORD: 'hunter2hunter2',
      PORT: '8080',
    }),
  );
  const entry = (name: string) => readout.find((candidate) => candidate.name === name)!;

  it('masks secrets and passwords, and the password inside a connection URL', () => {
    expect(entry('JWT_SECRET')).toStrictEqual({ name: 'JWT_SECRET', value: '********', masked: true });
    expect(entry('ADMIN_PASSWORD').value).toBe('********');
    expect(entry('DATABASE_URL').value).toBe('postgres://crm:********@db:5432/crm');
    expect(JSON.stringify(readout).includes('s3cret')).toBe(false);
    expect(JSON.stringify(readout).includes('hunter2')).toBe(false);
    expect(JSON.stringify(readout).includes('a-very-long-secret')).toBe(false);
  });

  it('shows everything else as it is', () => {
    expect(entry('PORT')).toStrictEqual({ name: 'PORT', value: 8080, masked: false });
    expect(entry('REDIS_URL')).toStrictEqual({ name: 'REDIS_URL', value: 'redis://127.0.0.1:6379', masked: false });
    expect(entry('WEBHOOK_ALLOW_PRIVATE')).toStrictEqual({
      name: 'WEBHOOK_ALLOW_PRIVATE',
      value: false,
      masked: false,
    });
  });

  it('says a secret that is not set is not set', () => {
    expect(configReadout(loadConfig({})).find((candidate) => candidate.name === 'JWT_SECRET')!.value).toBeNull();
  });
});
