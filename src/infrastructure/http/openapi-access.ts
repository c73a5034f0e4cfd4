import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_RULE, type AccessRule, PUBLIC_ROUTE } from '../../common/auth/access.decorator.js';

/**
 * Who may call each route, by its OpenAPI operationId (`CustomersController_list`), read from the same
 * metadata the AuthGuard reads (`@Public`, `@Allow`, method over class), so the document says what the
 * guard enforces.
 */
export function whoMayCall(app: INestApplication): Map<string, string> {
  const reflector = app.get(Reflector);
  const rules = new Map<string, string>();
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const targets = [handler, controller];
        const rule = reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
        rules.set(
          `${controller.name}_${name}`,
          reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) ? 'anyone; no token needed' : describe(rule),
        );
      }
    }
  return rules;
}

function describe(rule: AccessRule | undefined): string {
  if (!rule) return 'every signed-in user; no API key';
  const users = rule.roles.length ? `users with the role ${['admin', ...rule.roles].join(', ')}` : 'admins';
  const keys = rule.scopes.length ? `API keys with the scope ${rule.scopes.join(' or ')}` : 'no API key';
  return `${users}; ${keys}`;
}
