import type { WorkPlanDto, WorkPlanEntryDto } from './dto/work-plan.dto.js';
import type { EntrySnapshot } from './plan-changes.js';
import type { EntryRow, WorkPlanRow } from './work-plans.repository.js';

export function toEntryDto(row: EntryRow): WorkPlanEntryDto {
  return {
    id: row.id,
    workPlanId: row.workPlanId,
    ownerId: row.ownerId,
    day: row.day,
    position: row.position,
    kind: row.kind,
    planned: row.planned,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    customerId: row.customerId,
    place: row.lat === null || row.lng === null ? null : { address: row.placeAddress, lat: row.lat, lng: row.lng },
    purpose: row.purpose,
    related: row.relatedType && row.relatedId ? { type: row.relatedType, id: row.relatedId } : null,
    status: row.status,
    checkIn: row.checkedInAt ? { at: row.checkedInAt, lat: row.checkInLat!, lng: row.checkInLng! } : null,
    checkOut: row.checkedOutAt ? { at: row.checkedOutAt, lat: row.checkOutLat!, lng: row.checkOutLng! } : null,
    outcome: row.outcome,
    skipReason: row.skipReason,
    dispatchedBy: row.dispatchedBy,
    dispatchInfo: row.dispatchInfo,
  };
}

export function toWorkPlanDto(row: WorkPlanRow, entries: EntryRow[]): WorkPlanDto {
  const { cursorAt: _cursor, ...rest } = row;
  return { ...rest, entries: entries.map(toEntryDto) };
}

export function snapshotOf(row: EntryRow): EntrySnapshot {
  return {
    id: row.id,
    day: row.day,
    position: row.position,
    kind: row.kind,
    customerId: row.customerId,
    purpose: row.purpose,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    placeAddress: row.placeAddress,
  };
}
