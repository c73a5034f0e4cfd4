import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../infrastructure/config/app-config.js';
import { configReadout } from './config-readout.js';

describe('configuration read-out', () => {
  const readout = configReadout(
    loadConfig({ JWT_SECRET: 'a-very-long-secret-value-of-32-chars!!', DATABASE_URL: 'postgres://crm:s3cret@db:5432/crm', ADMIN_PASSWORD: 'hunter2hunter2', PORT: '8080' }),
  );
  const entry = (name: string) => readout.find((candidate) => candidate.name === name)!;

  it('masks secrets and passwords, and the password inside a connection URL', () => {
    assert.deepEqual(entry('JWT_SECRET'), { name: 'JWT_SECRET', value: '********', masked: true });
    assert.equal(entry('ADMIN_PASSWORD').value, '********');
    assert.equal(entry('DATABASE_URL').value, 'postgres://crm:********@db:5432/crm');
    assert.equal(JSON.stringify(readout).includes('s3cret'), false);
    assert.equal(JSON.stringify(readout).includes('hunter2'), false);
    assert.equal(JSON.stringify(readout).includes('a-very-long-secret'), false);
  });

  it('shows everything else as it is', () => {
    assert.deepEqual(entry('PORT'), { name: 'PORT', value: 8080, masked: false });
    assert.deepEqual(entry('REDIS_URL'), { name: 'REDIS_URL', value: 'redis://127.0.0.1:6379', masked: false });
    assert.deepEqual(entry('WEBHOOK_ALLOW_PRIVATE'), { name: 'WEBHOOK_ALLOW_PRIVATE', value: false, masked: false });
  });

  it('says a secret that is not set is not set', () => {
    assert.equal(configReadout(loadConfig({})).find((candidate) => candidate.name === 'JWT_SECRET')!.value, null);
  });
});
