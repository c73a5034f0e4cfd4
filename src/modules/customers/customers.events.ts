import { catalogue, eventType } from '../../infrastructure/outbox/event-catalogue.js';
import type { CustomerDto } from './dto/customer.dto.js';
import type { ConsentsDto, InteractionDto, PurchaseDto } from './dto/records.dto.js';

/** A customer as events carry it: never the sensitive fields (birth date, zodiac, religion, smoker, drinker). */
export type CustomerInEvent = Partial<CustomerDto>;

/** The events the customers module publishes; partners receive them by webhook exactly as shaped here. */
export const CustomersEvents = {
  customerCreated: eventType<{ customer: CustomerInEvent }>('customer.created', 'customer'),
  /** `changedFields`: the fields changed, sensitive ones left out. */
  customerUpdated: eventType<{ customer: CustomerInEvent; changedFields: string[] }>('customer.updated', 'customer'),
  customerDeleted: eventType<{ customerId: string; code: string }>('customer.deleted', 'customer'),
  consentChanged: eventType<{ customerId: string } & ConsentsDto>('customer.consent_changed', 'customer'),
  purchaseRecorded: eventType<{ purchase: PurchaseDto }>('purchase.recorded', 'customer'),
  purchaseRefunded: eventType<{ purchase: PurchaseDto; reason: string | null }>('purchase.refunded', 'customer'),
  interactionLogged: eventType<{ interaction: InteractionDto }>('interaction.logged', 'customer'),
  /** A commitment made in an interaction was marked kept, broken (or open again); `index` is its position. */
  commitmentSettled: eventType<{ interaction: InteractionDto; index: number; status: 'open' | 'kept' | 'broken' }>(
    'interaction.commitment_settled',
    'customer',
  ),
  /** A hand-over (`POST /admin/reassign`) moved the customer to another salesperson. */
  customerOwnerChanged: eventType<{
    customerId: string;
    fromUserId: string;
    toUserId: string;
    reassignmentId: string;
  }>('customer.owner_changed', 'customer'),
  /**
   * Two customers were one person: everything of the duplicate now belongs to the survivor, and the
   * duplicate's id resolves to it. `moved`: rows moved per module and table. No personal data.
   */
  customerMerged: eventType<{
    mergeId: string;
    survivorId: string;
    duplicateId: string;
    moved: Record<string, Record<string, number>>;
  }>('customer.merged', 'customer'),
  /** A merge was undone: the duplicate is a customer of its own again, with what it had. */
  customerMergeUndone: eventType<{ mergeId: string; survivorId: string; duplicateId: string }>(
    'customer.merge_undone',
    'customer',
  ),
  /**
   * The customer's personal data was erased (PIPL art. 47, GDPR art. 17): partners erase their copies of
   * `customerId` and of `mergedIds` (duplicates merged into it earlier, the same person). Ids only.
   */
  customerErased: eventType<{ customerId: string; mergedIds: string[]; erasedAt: string }>(
    'customer.erased',
    'customer',
  ),
};

export const CUSTOMERS_CATALOGUE = catalogue('customers', CustomersEvents);
