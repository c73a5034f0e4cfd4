import type { EventCatalogue } from '../infrastructure/outbox/event-catalogue.js';
import { COMPLAINTS_CATALOGUE } from './complaints/complaints.events.js';
import { CUSTOMERS_CATALOGUE } from './customers/customers.events.js';
import { IDENTITY_CATALOGUE } from './identity/identity.events.js';
import { LOYALTY_CATALOGUE } from './loyalty/loyalty.events.js';
import { OUTREACH_CATALOGUE } from './outreach/outreach.events.js';
import { SALES_CATALOGUE } from './sales/sales.events.js';
import { SERVICE_REQUESTS_CATALOGUE } from './service-requests/service-requests.events.js';
import { WEBHOOKS_CATALOGUE } from './webhooks/webhooks.events.js';

/** Every module's catalogue (`<module>.events.ts`). A new module adds its own here. */
export const EVENT_CATALOGUES: readonly EventCatalogue[] = [
  IDENTITY_CATALOGUE,
  CUSTOMERS_CATALOGUE,
  LOYALTY_CATALOGUE,
  SERVICE_REQUESTS_CATALOGUE,
  COMPLAINTS_CATALOGUE,
  OUTREACH_CATALOGUE,
  WEBHOOKS_CATALOGUE,
  SALES_CATALOGUE,
];
