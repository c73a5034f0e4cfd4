import { isoTime } from '../../common/http/iso-time.js';
import type { TierDefinitionDto, TierHistoryEntryDto } from './dto/tiers.dto.js';
import type { TierDefinitionRow, TierHistoryRow } from './tiers.repository.js';

export function toTierDefinitionDto(row: TierDefinitionRow): TierDefinitionDto {
  return {
    name: row.name,
    rank: row.rank,
    minScore: row.minScore,
    topShare: row.topShare,
    effectiveMinScore: row.effectiveMinScore,
    effectiveMinMonetary: row.effectiveMinMonetary,
    earnMultiplier: row.earnMultiplier,
    benefits: row.benefits,
  };
}

export function toTierHistoryEntryDto(row: TierHistoryRow): TierHistoryEntryDto {
  return {
    id: row.id,
    oldTier: row.oldTier,
    newTier: row.newTier,
    score: row.score,
    monetary: row.monetary,
    frequency: row.frequency,
    cause: row.cause,
    changedAt: isoTime(row.changedAt),
  };
}
