import { catalogue, subscriber } from '../../infrastructure/outbox/event-catalogue.js';
import { ImprovementActionEvents } from '../complaints/improvement-actions.events.js';
import { CustomersEvents } from '../customers/customers.events.js';
import { LoyaltyEvents } from '../loyalty/loyalty.events.js';
import { LeadEvents } from '../sales/sales.events.js';
import { ServiceRequestEvents } from '../service-requests/service-requests.events.js';

/** Outreach publishes no events yet; it schedules care from other modules' events (R-O1). */
export const OutreachEvents = {};

export const OutreachSubscribers = {
  /** Care rules `purchase_follow_up`: a message N days after the purchase. */
  followUpPurchase: subscriber('outreach', 'follow-up-purchase', [CustomersEvents.purchaseRecorded]),
  /** Care rules `service_satisfaction`: a satisfaction check N days after the request is resolved. */
  checkSatisfaction: subscriber('outreach', 'check-satisfaction', [ServiceRequestEvents.resolved]),
  /** Care rules `tier_upgrade`: congratulations when the customer moves up a tier. */
  congratulateTierUpgrade: subscriber('outreach', 'congratulate-tier-upgrade', [LoyaltyEvents.tierChanged]),
  /** Care rules `lead_converted`: product information N days after a lead becomes a customer, unless they bought meanwhile. */
  informConvertedLead: subscriber('outreach', 'inform-converted-lead', [LeadEvents.converted]),
  /** R-P4 through R-O2: the complaints module's report-back to a complainant goes out through the contact gate. */
  reportBackImprovement: subscriber('outreach', 'report-back-improvement', [ImprovementActionEvents.reportedBack]),
};

export const OUTREACH_CATALOGUE = catalogue('outreach', OutreachEvents, OutreachSubscribers);
