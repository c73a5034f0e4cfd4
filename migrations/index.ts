import { CoreSchema1764050000000 } from './1764050000000-core-schema.js';
import { LoyaltyLedger1764060000000 } from './1764060000000-loyalty-ledger.js';
import { CustomerValueTiers1764070000000 } from './1764070000000-customer-value-tiers.js';
import { Webhooks1764090000000 } from './1764090000000-webhooks.js';

/** Every migration, oldest first. Listed explicitly because ESM builds cannot be globbed by TypeORM reliably. */
export const migrations = [CoreSchema1764050000000, LoyaltyLedger1764060000000, CustomerValueTiers1764070000000, Webhooks1764090000000];
