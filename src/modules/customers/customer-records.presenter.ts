import { isoTime } from '../../common/http/iso-time.js';
import type { ConsentRow, InteractionRow, PurchaseRow, TimelineEntryRow } from './customer-records.repository.js';
import type { ConsentStateDto, InteractionDto, PurchaseDto, TimelineEntryDto } from './dto/records.dto.js';

/** Also the `purchase` of purchase.recorded and purchase.refunded events. */
export function toPurchaseDto(row: PurchaseRow): PurchaseDto {
  return {
    id: row.id,
    customerId: row.customerId,
    purchasedAt: isoTime(row.purchasedAt),
    product: row.product,
    quantity: row.quantity,
    amount: row.amount,
    paymentMethod: row.paymentMethod,
    channel: row.channel,
    notes: row.notes,
    refundedAt: isoTime(row.refundedAt),
    createdAt: isoTime(row.createdAt),
  };
}

/** Also the `interaction` of interaction.logged events. */
export function toInteractionDto(row: InteractionRow): InteractionDto {
  return {
    id: row.id,
    customerId: row.customerId,
    channel: row.channel,
    direction: row.direction,
    occurredAt: isoTime(row.occurredAt),
    staffId: row.staffId,
    subject: row.subject,
    summary: row.summary,
    commitments: row.commitments,
    createdAt: isoTime(row.createdAt),
  };
}

export function toConsentStateDto(row: ConsentRow): ConsentStateDto {
  return { channel: row.channel, optedIn: row.optedIn, source: row.source, updatedAt: isoTime(row.updatedAt) };
}

export function toTimelineEntryDto(row: TimelineEntryRow): TimelineEntryDto {
  return { kind: row.kind, id: row.id, at: isoTime(row.at), summary: row.summary, details: row.details };
}
