import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role, Scope } from './principal.js';

export const PUBLIC_ROUTE = 'crm:public';
export const ACCESS_RULE = 'crm:access';

export interface AccessRule {
  roles: Role[];
  scopes: Scope[];
}

/** The route needs no token. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Who may call the route: users with one of the roles (admins always may) or API keys with one of
 * the scopes. A route without this rule is open to every signed-in user and to no API key.
 */
export const Allow = (rule: Partial<AccessRule>) =>
  SetMetadata(ACCESS_RULE, { roles: rule.roles ?? [], scopes: rule.scopes ?? [] });

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});
