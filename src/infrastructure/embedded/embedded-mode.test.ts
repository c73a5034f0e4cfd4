import { describe, expect, it } from '@jest/globals';
import { decideStartMode } from './embedded-mode.js';

const nothingAnswers = async () => false;
const everythingAnswers = async () => true;
const onlyPostgres = async ({ port }: { port: number }) => port === 5432;

describe('decideStartMode', () => {
  it('runs embedded when nothing answers on the default ports and nothing is configured', async () => {
    expect(await decideStartMode({}, nothingAnswers)).toStrictEqual({
      embedded: true,
      reason: 'nothing answers as PostgreSQL on 127.0.0.1:5432 or Redis on 127.0.0.1:6379',
    });
    expect((await decideStartMode({}, onlyPostgres)).embedded).toBe(true);
  });

  it('keeps the servers when both answer, or when DATABASE_URL or REDIS_URL is set', async () => {
    expect((await decideStartMode({}, everythingAnswers)).embedded).toBe(false);
    expect((await decideStartMode({ DATABASE_URL: 'postgres://db/crm' }, nothingAnswers)).embedded).toBe(false);
    expect((await decideStartMode({ REDIS_URL: 'redis://cache' }, nothingAnswers)).embedded).toBe(false);
  });

  it('never starts it silently in production, nor for one role of a split deployment', async () => {
    expect(await decideStartMode({ NODE_ENV: 'production' }, nothingAnswers)).toStrictEqual({
      embedded: false,
      reason: 'NODE_ENV=production',
    });
    expect((await decideStartMode({ PROCESS_ROLE: 'api' }, nothingAnswers)).embedded).toBe(false);
  });

  it('obeys CRM_EMBEDDED whatever runs or is configured', async () => {
    expect(
      (await decideStartMode({ CRM_EMBEDDED: 'true', DATABASE_URL: 'postgres://db/crm' }, everythingAnswers)).embedded,
    ).toBe(true);
    expect((await decideStartMode({ CRM_EMBEDDED: 'true', NODE_ENV: 'production' }, everythingAnswers)).embedded).toBe(
      true,
    );
    expect((await decideStartMode({ CRM_EMBEDDED: 'false' }, nothingAnswers)).embedded).toBe(false);
  });
});
