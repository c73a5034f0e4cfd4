import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../../src/common/auth/principal.js';
import { TokensRepository } from '../../src/modules/identity/tokens.repository.js';
import { UsersRepository } from '../../src/modules/identity/users.repository.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

describe('identity repositories', () => {
  let database: MediumDatabase;
  let users: UsersRepository;
  let tokens: TokensRepository;

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    users = new UsersRepository(database.dataSource);
    tokens = new TokensRepository(database.dataSource);
  });
  afterAll(() => database?.close());

  const insertUser = (roles: Role[], extra: { region?: string | null; skills?: string[]; email?: string } = {}) =>
    users.insert(database.dataSource.manager, {
      email: extra.email ?? `${roles.join('-')}-${randomBytes(3).toString('hex')}@test.local`,
      name: `${roles[0]} ${randomBytes(2).toString('hex')}`,
      passwordHash: 'not a real hash',
      roles,
      region: extra.region,
      skills: extra.skills,
    });

  describe('UsersRepository', () => {
    it('refuses a second user with the same e-mail, whatever its case, by returning null', async () => {
      const first = await insertUser(['agent'], { email: 'Same.Person@test.local' });
      expect(first).not.toBeNull();
      expect(await insertUser(['sales'], { email: 'same.person@TEST.local' })).toBeNull();
      expect((await users.findByEmail('same.person@test.local'))?.id).toBe(first!.id);
    });

    it('finds active users of a role with the skill, in the region or working everywhere', async () => {
      const skill = `skill-${randomUUID()}`;
      const here = await insertUser(['technician'], { region: '浙江', skills: [skill] });
      const everywhere = await insertUser(['technician'], { region: null, skills: [skill, 'other'] });
      await insertUser(['technician'], { region: '江苏', skills: [skill] }); // elsewhere
      await insertUser(['technician'], { region: '浙江' }); // without the skill
      await insertUser(['sales'], { region: '浙江', skills: [skill] }); // another role
      const inactive = await insertUser(['technician'], { region: '浙江', skills: [skill] });
      await users.update(database.dataSource.manager, inactive!.id, { active: false });

      const found = await users.findQualified(['technician'], skill, '浙江');
      expect(found.map((user) => user.id).sort()).toStrictEqual([here!.id, everywhere!.id].sort());
    });

    it('bumps the version with every update', async () => {
      const user = await insertUser(['agent']);
      const updated = await users.update(database.dataSource.manager, user!.id, { region: '上海' });
      expect(updated).toMatchObject({ region: '上海', version: user!.version + 1 });
    });

    it('pages through the users of a role once each, in creation order', async () => {
      const role: Role = 'marketing';
      for (let i = 0; i < 5; i += 1) await insertUser([role]);
      const seen: string[] = [];
      let after: { at: string; id: string } | null = null;
      for (;;) {
        const page = await users.list(2, after, role);
        const shown = page.slice(0, 2);
        seen.push(...shown.map((user) => user.id));
        if (page.length <= 2) break;
        after = { at: shown[1].cursor_at, id: shown[1].id };
      }
      const all = await database.dataSource.query(
        `SELECT id FROM users WHERE 'marketing' = ANY(roles) ORDER BY created_at, id`,
      );
      expect(seen).toStrictEqual(all.map((row: { id: string }) => row.id));
      expect(seen).toHaveLength(5);
    });
  });

  describe('TokensRepository', () => {
    const newKey = (scopes: string[] = ['customers:read']) =>
      tokens.insertApiKey(
        database.dataSource.manager,
        'partner',
        'crm_test',
        `hash-${randomUUID()}`,
        scopes as never,
        null,
      );

    it('finds an API key by its hash until it is revoked', async () => {
      const hash = `hash-${randomUUID()}`;
      const key = await tokens.insertApiKey(
        database.dataSource.manager,
        'partner',
        'crm_test',
        hash,
        ['customers:read'],
        null,
      );
      expect((await tokens.findActiveApiKeyByHash(hash))?.id).toBe(key.id);
      const revoked = await tokens.revokeApiKey(database.dataSource.manager, key.id);
      expect(revoked?.revoked_at).toBeInstanceOf(Date);
      expect(await tokens.findActiveApiKeyByHash(hash)).toBeNull();
    });

    it('records the use of a key at most once a minute', async () => {
      const key = await newKey();
      const lastUsed = async () =>
        (await database.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.id]))[0]
          .last_used_at as Date | null;
      expect(await lastUsed()).toBeNull();
      await tokens.touchApiKey(key.id);
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await tokens.touchApiKey(key.id);
      expect(await lastUsed()).toStrictEqual(first);
      await database.dataSource.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
        key.id,
      ]);
      const backdated = await lastUsed();
      await tokens.touchApiKey(key.id);
      expect((await lastUsed())!.getTime()).toBeGreaterThan(backdated!.getTime() + 60_000);
    });

    it('revokes a whole refresh-token family when a spent token is replayed, and no other family', async () => {
      const user = await insertUser(['agent']);
      const family = randomUUID();
      const expires = new Date(Date.now() + 3_600_000);
      await tokens.insertRefreshToken(database.dataSource.manager, user!.id, family, 'spent', expires);
      await tokens.insertRefreshToken(database.dataSource.manager, user!.id, family, 'current', expires);
      await tokens.insertRefreshToken(database.dataSource.manager, user!.id, randomUUID(), 'other-device', expires);
      await database.dataSource.transaction(async (tx) => {
        const spent = await tokens.lockRefreshToken(tx, 'spent');
        await tokens.markRotated(tx, spent!.id);
      });
      const revokedAt = async (hash: string) =>
        (await database.dataSource.query(`SELECT revoked_at FROM refresh_tokens WHERE token_hash = $1`, [hash]))[0]
          .revoked_at;
      const rotatedAt = await revokedAt('spent');

      await tokens.revokeFamily(family);
      const rows = await database.dataSource.query(
        `SELECT token_hash, revoked_reason FROM refresh_tokens WHERE user_id = $1 ORDER BY token_hash`,
        [user!.id],
      );
      expect(rows).toStrictEqual([
        { token_hash: 'current', revoked_reason: 'reuse_detected' },
        { token_hash: 'other-device', revoked_reason: null },
        { token_hash: 'spent', revoked_reason: 'reuse_detected' },
      ]);
      expect(await revokedAt('spent')).toStrictEqual(rotatedAt); // revoked when it was rotated, not again
    });
  });
});
