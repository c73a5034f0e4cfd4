import { catalogue, eventType, subscriber } from '../../infrastructure/outbox/event-catalogue.js';
import { CustomersEvents } from '../customers/customers.events.js';
import type { LedgerEntryDto, RedemptionDto } from './dto/loyalty.dto.js';

interface SettingValues {
  pointsPerUnit: number;
  pointsExpireMonths: number;
  birthdayPoints: number;
}

/** The events the loyalty module publishes (tiers included: the tier is loyalty's). */
export const LoyaltyEvents = {
  pointsEarned: eventType<{ entry: LedgerEntryDto }>('loyalty.points_earned', 'customer'),
  /** `writtenOff`: points of the purchase already spent, which the reversal could not take back. */
  pointsReversed: eventType<{ entry: LedgerEntryDto; writtenOff: number }>('loyalty.points_reversed', 'customer'),
  pointsAdjusted: eventType<{ entry: LedgerEntryDto }>('loyalty.points_adjusted', 'customer'),
  rewardRedeemed: eventType<{ redemption: RedemptionDto }>('loyalty.reward_redeemed', 'customer'),
  /** Written set-based by the daily expiry, in the bulk lane. `points`: how many expired (positive). */
  pointsExpired: eventType<{ customerId: string; points: number; balance: number }>(
    'loyalty.points_expired',
    'customer',
  ),
  /** Written set-based by the daily birthday run, in the bulk lane. */
  birthdayRewarded: eventType<{ customerId: string; points: number; balance: number }>(
    'loyalty.birthday_rewarded',
    'customer',
  ),
  settingsChanged: eventType<{
    version: number;
    changed: string[];
    before: SettingValues;
    after: SettingValues;
    changedBy: { actorType: string; actorId: string };
  }>('loyalty.settings_changed', 'loyalty_settings'),
  /** Written set-based by tier recalculations (a full run's in the bulk lane). `monetary` is a decimal string. */
  tierChanged: eventType<{
    customerId: string;
    oldTier: string | null;
    newTier: string;
    score: number;
    monetary: string;
    frequency: number;
    cause: string;
  }>('customer.tier_changed', 'customer'),
};

/** What loyalty does when other modules' events arrive; each is a job of its own per event. */
export const LoyaltySubscribers = {
  earnPoints: subscriber('loyalty', 'earn-points', [CustomersEvents.purchaseRecorded]),
  reversePoints: subscriber('loyalty', 'reverse-points', [CustomersEvents.purchaseRefunded]),
  forgetDeletedCustomer: subscriber('loyalty', 'forget-deleted-customer', [CustomersEvents.customerDeleted]),
};

/**
 * Subscribers loyalty no longer declares, whose jobs queued by the previous version still run
 * (DomainEventHandlers.retire). `recalculate-tier` only queued the debounced tier recalculation; the
 * earning and reversing handlers queue it now, one job less per purchase.
 */
export const LoyaltyRetiredSubscribers = {
  recalculateTier: 'loyalty.recalculate-tier',
};

export const LOYALTY_CATALOGUE = catalogue('loyalty', LoyaltyEvents, LoyaltySubscribers);
