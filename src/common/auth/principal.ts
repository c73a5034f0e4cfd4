export const ROLES = ['admin', 'manager', 'sales', 'agent', 'technician', 'marketing'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  'customers:read',
  'customers:write',
  'customers:sensitive',
  'customers:export',
  'customers:erase',
  'purchases:write',
  'interactions:write',
  'service-requests:write',
  'complaints:write',
  'outreach:report',
  'webhooks:manage',
  'leads:write',
  'sales:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: a staff user (by role) or a partner API key (by scope). */
export type Principal =
  | { kind: 'user'; id: string; roles: Role[]; email: string; name: string }
  | { kind: 'api_key'; id: string; scopes: Scope[]; name: string };

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.kind === 'user' && principal.roles.some((role) => role === 'admin' || roles.includes(role));
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.kind === 'api_key' && principal.scopes.includes(scope);
}

/** Religion, smoking, drinking and birth date: visible to admins, managers and salespeople, and keys with the scope. */
export function maySeeSensitiveFields(principal: Principal): boolean {
  return hasRole(principal, 'manager', 'sales') || hasScope(principal, 'customers:sensitive');
}

export function actorOf(principal: Principal): { actorType: string; actorId: string } {
  return { actorType: principal.kind, actorId: principal.id };
}
