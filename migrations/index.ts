import { CoreSchema1764050000000 } from './1764050000000-core-schema.js';
import { LoyaltyLedger1764060000000 } from './1764060000000-loyalty-ledger.js';
import { CustomerValueTiers1764070000000 } from './1764070000000-customer-value-tiers.js';
import { ServiceRequests1764080000000 } from './1764080000000-service-requests.js';
import { Webhooks1764090000000 } from './1764090000000-webhooks.js';
import { TierRecalculationAtScale1764100000000 } from './1764100000000-tier-recalculation-at-scale.js';
import { LoyaltySettings1764110000000 } from './1764110000000-loyalty-settings.js';
import { WebhookDeliveryRecovery1764120000000 } from './1764120000000-webhook-delivery-recovery.js';
import { HistoryRetention1764130000000 } from './1764130000000-history-retention.js';
import { ServiceQueueOneWalk1764140000000 } from './1764140000000-service-queue-one-walk.js';
import { OutboxClaimOrder1764150000000 } from './1764150000000-outbox-claim-order.js';
import { Complaints1764200000000 } from './1764200000000-complaints.js';
import { ImprovementActions1764200000001 } from './1764200000001-improvement-actions.js';
import { Outreach1764300000000 } from './1764300000000-outreach.js';
import { SalesLeadsPipelines1764400000000 } from './1764400000000-sales-leads-pipelines.js';
import { SalesPriceListQuotes1764400000001 } from './1764400000001-sales-price-list-quotes.js';
import { CoordinationKeys1764600000000 } from './1764600000000-coordination-keys.js';
import { SalesHandOver1764400000002 } from './1764400000002-sales-hand-over.js';
import { Campaigns1764700000000 } from './1764700000000-campaigns.js';
import { Feedback1764700000001 } from './1764700000001-feedback.js';
import { FieldSales1764800000000 } from './1764800000000-field-sales.js';
import { Notifications1764800000001 } from './1764800000001-notifications.js';
import { AttributionRefunds1764800000002 } from './1764800000002-attribution-refunds.js';
import { CustomerImports1764900000000 } from './1764900000000-customer-imports.js';
import { CustomerMerges1764900000001 } from './1764900000001-customer-merges.js';
import { ComplaintReportRollups1765000000000 } from './1765000000000-complaint-report-rollups.js';
import { ComplaintReportWeeklyCounts1765000000001 } from './1765000000001-complaint-report-weekly-counts.js';
import { CustomerErasure1765100000000 } from './1765100000000-customer-erasure.js';
import { OutreachSendBatches1765400000000 } from './1765400000000-outreach-send-batches.js';
import { HandOverSpread1765430000000 } from './1765430000000-hand-over-spread.js';
import { OpportunityPipelineTotals1765430000001 } from './1765430000001-opportunity-pipeline-totals.js';
import { OutreachLeadConverted1765430000002 } from './1765430000002-outreach-lead-converted.js';
import { OutreachOneRowPerMessage1765500000000 } from './1765500000000-outreach-one-row-per-message.js';
import { CustomerPurchaseMonths1765510000000 } from './1765510000000-customer-purchase-months.js';
import { CustomerPurchaseMonthsCoveringKey1765510000001 } from './1765510000001-customer-purchase-months-covering-key.js';
import { OutreachMessageRuleUnchecked1765650000000 } from './1765650000000-outreach-message-rule-unchecked.js';

/** Every migration, oldest first. Listed explicitly because ESM builds cannot be globbed by TypeORM reliably. */
export const migrations = [
  CoreSchema1764050000000,
  LoyaltyLedger1764060000000,
  CustomerValueTiers1764070000000,
  ServiceRequests1764080000000,
  Webhooks1764090000000,
  TierRecalculationAtScale1764100000000,
  LoyaltySettings1764110000000,
  WebhookDeliveryRecovery1764120000000,
  HistoryRetention1764130000000,
  ServiceQueueOneWalk1764140000000,
  OutboxClaimOrder1764150000000,
  Complaints1764200000000,
  ImprovementActions1764200000001,
  Outreach1764300000000,
  SalesLeadsPipelines1764400000000,
  SalesPriceListQuotes1764400000001,
  SalesHandOver1764400000002,
  CoordinationKeys1764600000000,
  Campaigns1764700000000,
  Feedback1764700000001,
  FieldSales1764800000000,
  Notifications1764800000001,
  AttributionRefunds1764800000002,
  CustomerImports1764900000000,
  CustomerMerges1764900000001,
  ComplaintReportRollups1765000000000,
  ComplaintReportWeeklyCounts1765000000001,
  CustomerErasure1765100000000,
  OutreachSendBatches1765400000000,
  HandOverSpread1765430000000,
  OpportunityPipelineTotals1765430000001,
  OutreachLeadConverted1765430000002,
  OutreachOneRowPerMessage1765500000000,
  CustomerPurchaseMonths1765510000000,
  CustomerPurchaseMonthsCoveringKey1765510000001,
  OutreachMessageRuleUnchecked1765650000000,
];
