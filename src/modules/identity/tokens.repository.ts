import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Scope } from '../../common/auth/principal.js';
import type { KeysetPosition, WithCursor } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: 'rotated' | 'reuse_detected' | null;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  scopes: Scope[];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const API_KEY_COLUMNS = 'id, name, key_prefix, scopes, created_by, created_at, last_used_at, revoked_at';

/** Refresh tokens and API keys: secrets stored only as SHA-256 hashes. */
@Injectable()
export class TokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertRefreshToken(
    tx: Tx,
    userId: string,
    familyId: string,
    tokenHash: string,
    expiresAt: Date,
  ): Promise<void> {
    await tx.query(`INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [
      userId,
      familyId,
      tokenHash,
      expiresAt,
    ]);
  }

  async lockRefreshToken(tx: Tx, tokenHash: string): Promise<RefreshTokenRow | null> {
    const [row] = await tx.query(
      `SELECT id, user_id, family_id, expires_at, revoked_at, revoked_reason FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return row ?? null;
  }

  async markRotated(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'rotated' WHERE id = $1`, [id]);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()), revoked_reason = 'reuse_detected' WHERE family_id = $1`,
      [familyId],
    );
  }

  async insertApiKey(
    tx: Tx,
    name: string,
    prefix: string,
    keyHash: string,
    scopes: Scope[],
    createdBy: string | null,
  ): Promise<ApiKeyRow> {
    const [row] = await tx.query(
      `INSERT INTO api_keys (name, key_prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${API_KEY_COLUMNS}`,
      [name, prefix, keyHash, scopes, createdBy],
    );
    return row;
  }

  async findActiveApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return row ?? null;
  }

  /** Records use at most once a minute per key, so a busy partner does not turn every read into a write. */
  async touchApiKey(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /** One page of the keys, newest first (limit + 1 rows: the extra one tells whether more follow). */
  async listApiKeys(after: KeysetPosition | null, limit: number): Promise<WithCursor<ApiKeyRow>[]> {
    const params: unknown[] = [limit + 1];
    const keyset = after
      ? `WHERE (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${API_KEY_COLUMNS}, created_at::text AS "cursorAt" FROM api_keys ${keyset} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
  }

  async revokeApiKey(tx: Tx, id: string): Promise<ApiKeyRow | null> {
    const [rows] = await tx.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${API_KEY_COLUMNS}`,
      [id],
    );
    return rows[0] ?? null;
  }
}
