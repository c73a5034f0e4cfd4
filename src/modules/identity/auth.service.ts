import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import argon2 from 'argon2';
import { randomUUID } from 'node:crypto';
import type { Principal, Role } from '../../common/auth/principal.js';
import { Unauthenticated } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, Tx } from '../../infrastructure/database/transaction-runner.js';
import type { TokenPairDto } from './dto/auth.dto.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { newSecret, sha256 } from './secrets.js';
import { TokensRepository } from './tokens.repository.js';
import { UserRow, UsersRepository } from './users.repository.js';

interface AccessTokenClaims {
  sub: string;
  roles: Role[];
  email: string;
  name: string;
  typ: 'access';
  iat?: number;
  exp?: number;
}

/** The longest an access token may live (ACCESS_TOKEN_TTL_SECONDS is at most this) and the clock skew tolerated on iat. */
const MAX_ACCESS_TOKEN_SECONDS = 3_600;
const CLOCK_SKEW_SECONDS = 60;

const REFRESH_REUSE_GRACE_MS = 10_000;

// Verifying against a real hash when the user does not exist keeps the timing the same for both.
const DUMMY_HASH = argon2.hash('not-a-real-password', { type: argon2.argon2id });

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokensRepository,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly rateLimiter: LoginRateLimiter,
  ) {}

  static hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async login(email: string, password: string, clientAddress: string): Promise<TokenPairDto> {
    await this.rateLimiter.check(clientAddress, email);
    const user = await this.users.findByEmail(email);
    const valid = await argon2.verify(user?.password_hash ?? (await DUMMY_HASH), password);
    if (!user || !valid || !user.active)
      throw new Unauthenticated('The e-mail or password is wrong, or the account is disabled.');
    return this.transactions.run((tx) => this.issueTokens(tx, user, randomUUID()));
  }

  /** Exchanges a refresh token for a new pair; the old token is spent. Reuse of a spent token revokes its family. */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const outcome = await this.transactions.run(async (tx) => {
      const stored = await this.tokens.lockRefreshToken(tx, sha256(refreshToken));
      if (!stored || stored.expires_at < new Date())
        return { error: 'The refresh token is not valid or has expired.' } as const;
      // Two tabs refreshing at once, or a retry after a lost response, present the same token within
      // moments: that is not theft, so it gets a new pair in the same family instead of a sign-out.
      const concurrentUse =
        stored.revoked_reason === 'rotated' && Date.now() - stored.revoked_at!.getTime() < REFRESH_REUSE_GRACE_MS;
      if (stored.revoked_at && !concurrentUse) return { reused: stored.family_id } as const;
      const user = await this.users.findById(stored.user_id, tx);
      if (!user?.active) return { error: 'The account is disabled.' } as const;
      if (!stored.revoked_at) await this.tokens.markRotated(tx, stored.id);
      return { pair: await this.issueTokens(tx, user, stored.family_id) } as const;
    });
    if ('pair' in outcome && outcome.pair) return outcome.pair;
    if ('reused' in outcome && outcome.reused) {
      await this.tokens.revokeFamily(outcome.reused);
      throw new Unauthenticated('This refresh token was already used; every session from it has been signed out.');
    }
    throw new Unauthenticated('error' in outcome ? outcome.error : 'The refresh token is not valid.');
  }

  async verifyAccessToken(token: string): Promise<Principal> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token);
    } catch {
      throw new Unauthenticated('The access token is not valid or has expired.');
    }
    if (claims.typ !== 'access') throw new Unauthenticated('Not an access token.');
    // jsonwebtoken checks exp only when it is present: a token without one would be valid for ever.
    const { iat, exp } = claims;
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      iat > now + CLOCK_SKEW_SECONDS ||
      exp - iat > MAX_ACCESS_TOKEN_SECONDS
    ) {
      throw new Unauthenticated('The access token must carry iat and exp, and live at most an hour.');
    }
    return { kind: 'user', id: claims.sub, roles: claims.roles, email: claims.email, name: claims.name };
  }

  private async issueTokens(tx: Tx, user: UserRow, familyId: string): Promise<TokenPairDto> {
    const claims: AccessTokenClaims = {
      sub: user.id,
      roles: user.roles,
      email: user.email,
      name: user.name,
      typ: 'access',
    };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS });
    const refreshToken = newSecret('rt_');
    const expiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await this.tokens.insertRefreshToken(tx, user.id, familyId, sha256(refreshToken), expiresAt);
    return { accessToken, refreshToken, expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS, tokenType: 'Bearer' };
  }
}
