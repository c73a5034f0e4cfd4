import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'crm_';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random secret with a recognisable prefix; 32 bytes of entropy. */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}
