import { Injectable } from '@nestjs/common';
import { CredentialVerifier } from '../../common/auth/credential-verifier.js';
import type { Principal } from '../../common/auth/principal.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthService } from './auth.service.js';
import { API_KEY_PREFIX } from './secrets.js';

@Injectable()
export class IdentityCredentialVerifier extends CredentialVerifier {
  constructor(
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeysService,
  ) {
    super();
  }

  verify(token: string): Promise<Principal> {
    return token.startsWith(API_KEY_PREFIX) ? this.apiKeys.verify(token) : this.auth.verifyAccessToken(token);
  }
}
