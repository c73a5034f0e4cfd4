import { Injectable } from '@nestjs/common';
import { actorOf, Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { StaleVersion } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import type { LoyaltySettingsDto, UpdateLoyaltySettingsDto } from './dto/loyalty-settings.dto.js';
import { LoyaltySettings, LoyaltySettingsRepository, LoyaltySettingValues } from './loyalty-settings.repository.js';
import { TiersRepository } from './tiers.repository.js';
import { LoyaltyEvents } from './loyalty.events.js';

const FIELDS = ['pointsPerUnit', 'pointsExpireMonths', 'birthdayPoints'] as const;

/**
 * The loyalty programme's earn rate, expiry and birthday reward, stored in one versioned row. The
 * LOYALTY_* environment variables are only the values the row starts with. Readers go to the
 * database every time (one primary-key read): an in-process copy would go stale on the other
 * replicas after a change, and the row is too small to be worth a Redis cache.
 */
@Injectable()
export class LoyaltySettingsService {
  constructor(
    private readonly settings: LoyaltySettingsRepository,
    private readonly tiers: TiersRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    private readonly config: AppConfig,
  ) {}

  /** The settings in force; inside a transaction, as that transaction sees them. */
  current(tx: Tx = this.transactions.manager): Promise<LoyaltySettings> {
    return this.settings.current(tx, this.initialValues());
  }

  async read(): Promise<LoyaltySettingsDto> {
    return this.withTierMultipliers(await this.current());
  }

  /** Replaces the settings; they apply to the next purchase earned and the next expiry or birthday run. */
  async update(
    dto: UpdateLoyaltySettingsDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId?: string,
  ): Promise<LoyaltySettingsDto> {
    const expected = ifMatch ?? dto.version;
    const values: LoyaltySettingValues = {
      pointsPerUnit: dto.pointsPerUnit,
      pointsExpireMonths: dto.pointsExpireMonths,
      birthdayPoints: dto.birthdayPoints,
    };
    const updated = await this.transactions.run(async (tx) => {
      const before = await this.settings.current(tx, this.initialValues(), true);
      if (expected !== undefined && expected !== before.version)
        throw new StaleVersion('Loyalty settings', expected, before.version);
      const changed = FIELDS.filter((field) => before[field] !== values[field]);
      if (!changed.length) return before;
      const after = await this.settings.update(tx, values, principal.id);
      await this.audit.record(tx, principal, requestId, {
        action: 'loyalty.settings_changed',
        entityType: 'loyalty_settings',
        entityId: null,
        before,
        after,
        fields: changed,
      });
      await this.outbox.record(tx, LoyaltyEvents.settingsChanged, 'loyalty_settings', {
        version: after.version,
        changed,
        before: pick(before),
        after: pick(after),
        changedBy: actorOf(principal),
      });
      return after;
    });
    return this.withTierMultipliers(updated);
  }

  private initialValues(): LoyaltySettingValues {
    return {
      pointsPerUnit: this.config.LOYALTY_POINTS_PER_UNIT,
      pointsExpireMonths: this.config.LOYALTY_POINTS_EXPIRE_MONTHS,
      birthdayPoints: this.config.LOYALTY_BIRTHDAY_POINTS,
    };
  }

  private async withTierMultipliers(settings: LoyaltySettings): Promise<LoyaltySettingsDto> {
    const definitions = await this.tiers.definitions();
    return {
      ...settings,
      tierMultipliers: definitions.map((tier) => ({ tier: tier.name, earnMultiplier: tier.earnMultiplier })),
    };
  }
}

function pick(settings: LoyaltySettings): LoyaltySettingValues {
  return {
    pointsPerUnit: settings.pointsPerUnit,
    pointsExpireMonths: settings.pointsExpireMonths,
    birthdayPoints: settings.birthdayPoints,
  };
}
