import { DynamicModule, Global, Module } from '@nestjs/common';
import { DomainEventHandlers } from './domain-event-handlers.js';
import { DomainEventsProcessor } from './domain-events.processor.js';
import { EVENT_CATALOGUES, type EventCatalogue } from './event-catalogue.js';
import { EventSubscribersProcessor } from './event-subscribers.processor.js';
import { OutboxPayloads } from './outbox-payloads.js';
import { OutboxRelay } from './outbox.relay.js';
import { OutboxWriter } from './outbox.writer.js';

@Global()
@Module({})
export class OutboxModule {
  /**
   * The writer everywhere; the relay, the fan-out step and the subscriber processor only in processes
   * that run workers. `catalogues`: every module's `<module>.events.ts` (src/modules/event-catalogues.ts).
   */
  static forRole(runsWorkers: boolean, catalogues: readonly EventCatalogue[]): DynamicModule {
    return {
      module: OutboxModule,
      providers: [
        { provide: EVENT_CATALOGUES, useValue: catalogues },
        OutboxWriter,
        DomainEventHandlers,
        OutboxPayloads,
        ...(runsWorkers ? [OutboxRelay, DomainEventsProcessor, EventSubscribersProcessor] : []),
      ],
      exports: [OutboxWriter, DomainEventHandlers],
    };
  }
}
