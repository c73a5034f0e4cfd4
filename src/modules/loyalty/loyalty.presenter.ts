import { isoTime } from '../../common/http/iso-time.js';
import type { LedgerEntryDto, RewardDto } from './dto/loyalty.dto.js';
import type { LedgerEntryRow, RewardRow } from './loyalty.repository.js';

export function toLedgerEntryDto(row: LedgerEntryRow): LedgerEntryDto {
  return {
    id: row.id,
    customerId: row.customerId,
    kind: row.kind,
    points: row.points,
    balanceAfter: row.balanceAfter,
    sourceType: row.sourceType,
    sourceId: row.sourceId,
    reason: row.reason,
    actorType: row.actorType,
    actorId: row.actorId,
    createdAt: isoTime(row.createdAt),
  };
}

export function toRewardDto(row: RewardRow): RewardDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    pointsCost: row.pointsCost,
    stock: row.stock,
    active: row.active,
    version: row.version,
    createdAt: isoTime(row.createdAt),
    updatedAt: isoTime(row.updatedAt),
  };
}
