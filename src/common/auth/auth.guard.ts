import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Forbidden, Unauthenticated } from '../errors/domain-errors.js';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE } from './access.decorator.js';
import { CredentialVerifier } from './credential-verifier.js';
import type { Principal } from './principal.js';

/** Global guard: every route needs a token unless marked @Public(), and the token must satisfy @Allow(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = request.headers.authorization ?? '';
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw new Unauthenticated();
    const principal = await this.credentials.verify(token);
    request.principal = principal;

    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
    if (principal.kind === 'api_key') {
      if (!rule || !rule.scopes.some((scope) => principal.scopes.includes(scope))) {
        throw new Forbidden(
          rule?.scopes.length
            ? `This API key needs one of the scopes: ${rule.scopes.join(', ')}.`
            : 'API keys cannot use this endpoint.',
        );
      }
      return true;
    }
    if (rule && !principal.roles.includes('admin') && !rule.roles.some((role) => principal.roles.includes(role))) {
      throw new Forbidden(`This action needs one of the roles: ${['admin', ...rule.roles].join(', ')}.`);
    }
    return true;
  }
}
