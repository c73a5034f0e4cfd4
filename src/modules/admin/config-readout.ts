import { type AppConfig } from '../../infrastructure/config/app-config.js';
import type { ConfigEntryDto } from './dto/admin.dto.js';

const MASK = '********';
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|PRIVATE_KEY|API_KEY/;

/**
 * The settings in force, for an administrator: secrets and passwords masked (set or not is still
 * visible), and the password inside a connection URL replaced.
 */
export function configReadout(config: AppConfig): ConfigEntryDto[] {
  const names = [...new Set([...Object.keys(config), 'JWT_SECRET'])].sort();
  return names.map((name) => {
    const value = (config as unknown as Record<string, string | number | boolean | undefined>)[name];
    if (name !== 'WEBHOOK_ALLOW_PRIVATE' && SECRET_NAME.test(name))
      return { name, value: value === undefined ? null : MASK, masked: true };
    if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      const masked = maskUrlPassword(value);
      return { name, value: masked, masked: masked !== value };
    }
    return { name, value: value ?? null, masked: false };
  });
}

function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = MASK;
    return url.toString();
  } catch {
    return MASK;
  }
}
