import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule } from '@nestjs/jwt';
import { CredentialVerifier } from '../../common/auth/credential-verifier.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { IdentityCredentialVerifier } from './credential-verifier.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { TokensRepository } from './tokens.repository.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        // A ready key object: given a string, jsonwebtoken first tries to parse it as a public key on
        // every call and throws, which cost a quarter of the CPU of a simple read.
        const key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
  ],
  providers: [
    UsersRepository,
    TokensRepository,
    UsersService,
    AuthService,
    ApiKeysService,
    LoginRateLimiter,
    { provide: CredentialVerifier, useClass: IdentityCredentialVerifier },
  ],
  exports: [CredentialVerifier, UsersService, AuthService, ApiKeysService],
})
export class IdentityModule {}

/** The identity endpoints, served by api processes only. */
@Module({ imports: [IdentityModule], controllers: [AuthController, UsersController, ApiKeysController] })
export class IdentityHttpModule {}
