import { DynamicModule, Global, Module } from '@nestjs/common';
import { DomainEventHandlers } from './domain-event-handlers.js';
import { DomainEventsProcessor } from './domain-events.processor.js';
import { OutboxRelay } from './outbox.relay.js';
import { OutboxWriter } from './outbox.writer.js';

@Global()
@Module({})
export class OutboxModule {
  /** The writer everywhere; the relay and the event processor only in processes that run workers. */
  static forRole(runsWorkers: boolean): DynamicModule {
    return {
      module: OutboxModule,
      providers: [OutboxWriter, DomainEventHandlers, ...(runsWorkers ? [OutboxRelay, DomainEventsProcessor] : [])],
      exports: [OutboxWriter, DomainEventHandlers],
    };
  }
}
