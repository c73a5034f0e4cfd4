import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { ValidationFailed } from '../errors/domain-errors.js';
import { IdempotencyInProgress, IdempotencyKeyReused, IdempotencyRetry } from './idempotency-errors.js';

const KEY_LIFETIME_HOURS = 24;

interface StoredKey {
  request_hash: string;
  status_code: number | null;
  response_body: unknown;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ValidationFailed([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const status = this.reflector.get<number>('__httpCode__', context.getHandler()) ?? HttpStatus.CREATED;
    return from(this.handle(request, context.switchToHttp().getResponse<FastifyReply>(), key, status, next));
  }

  private async handle(
    request: FastifyRequest & { principal?: Principal },
    reply: FastifyReply,
    key: string,
    status: number,
    next: CallHandler,
  ): Promise<unknown> {
    const principal = request.principal ? `${request.principal.kind}:${request.principal.id}` : 'anonymous';
    const path = request.url.split('?')[0];
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');

    const claimed = await this.claim(principal, key, request.method, path, requestHash);
    if (!claimed) return this.replay(principal, key, requestHash, reply);

    let result: unknown;
    try {
      result = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      // A failed request leaves nothing behind, so the client may retry it with the same key.
      await this.dataSource.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2`, [principal, key]);
      throw error;
    }
    // The change is committed: from here on the key must never be released, or a retry would repeat it.
    // If recording the response fails, retries get 409 "in progress" rather than a second change.
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb, completed_at = now() WHERE principal = $1 AND key = $2`,
      [principal, key, status, JSON.stringify(result ?? null)],
    );
    return result;
  }

  private async claim(
    principal: string,
    key: string,
    method: string,
    path: string,
    requestHash: string,
  ): Promise<boolean> {
    // A key older than its lifetime is forgotten and may be used afresh.
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)`,
      [principal, key, KEY_LIFETIME_HOURS],
    );
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (principal, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (principal, key) DO NOTHING RETURNING key`,
      [principal, key, method, path, requestHash],
    );
    return inserted.length === 1;
  }

  private async replay(principal: string, key: string, requestHash: string, reply: FastifyReply): Promise<unknown> {
    const [stored]: StoredKey[] = await this.dataSource.query(
      `SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE principal = $1 AND key = $2`,
      [principal, key],
    );
    if (!stored) throw new IdempotencyRetry();
    if (stored.request_hash !== requestHash) {
      throw new IdempotencyKeyReused();
    }
    if (stored.status_code === null) {
      throw new IdempotencyInProgress();
    }
    void reply.header('idempotent-replayed', 'true');
    return stored.response_body;
  }
}

/**
 * The create accepts an Idempotency-Key header: a retry with the same key and body gets the first
 * result. Applied per route, so reads do not pay for it.
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string (a UUID): a retry with the same key and body answers the first result (header ' +
        '`idempotent-replayed: true`); the same key with another body is 422, while the first is in flight 409',
    }),
  );
