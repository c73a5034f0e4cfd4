import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DomainError } from '../../common/errors/domain-errors.js';
import type { DomainEventJob } from '../queues/queue-names.js';
import { EVENT_CATALOGUES, type EventCatalogue, type Subscriber } from './event-catalogue.js';

export type DomainEventHandler<P = Record<string, unknown>> = (event: DomainEventJob<P>) => Promise<void>;

export interface Registration {
  subscriber: Subscriber;
  handle: DomainEventHandler<unknown>;
}

/**
 * Modules register the handler of each subscriber they declared (`<module>.events.ts`) when they start.
 * Handlers must be idempotent: a job can run more than once.
 */
@Injectable()
export class DomainEventHandlers {
  private readonly registrations: Registration[] = [];
  private readonly retiredHandlers = new Map<string, Registration>();
  /** Types declared internal: `'*'` subscribers (the webhook fan-out) do not receive them. */
  private readonly internalTypes: ReadonlySet<string>;

  constructor(@Inject(EVENT_CATALOGUES) catalogues: readonly EventCatalogue[]) {
    this.internalTypes = new Set(
      catalogues.flatMap(({ events }) => events.filter((type) => type.internal).map((type) => type.name)),
    );
  }

  subscribe<P>(subscriber: Subscriber<P>, handle: DomainEventHandler<P>): void {
    // The payload is the declared type's: the subscriber's events are declarations, and only OutboxWriter
    // and outboxInsertSql (typed by the same declarations) write the outbox.
    this.registrations.push({ subscriber, handle: handle as DomainEventHandler<unknown> });
  }

  /**
   * Keeps running the jobs of a subscriber no longer declared, which a relay or worker of the previous
   * version may have queued: no new job is queued for it (`matching` never returns it), and the
   * start-up check does not count it. Remove it a release later, when none of its jobs can be left.
   */
  retire(name: string, module: string, handle: DomainEventHandler<unknown>): void {
    this.retiredHandlers.set(name, { subscriber: { name, module, events: [] }, handle });
  }

  /** The subscribers of an event type, each with its handler, in the order they subscribed. */
  matching(type: string): Registration[] {
    return this.registrations.filter(({ subscriber }) =>
      subscriber.events === '*'
        ? !this.internalTypes.has(type)
        : subscriber.events.some((declared) => declared.name === type),
    );
  }

  /** The handler registered for a subscriber (by its name, as event-subscriber jobs carry it). */
  handlerOf(name: string): Registration | undefined {
    return this.registrations.find(({ subscriber }) => subscriber.name === name) ?? this.retiredHandlers.get(name);
  }

  /**
   * Runs one subscriber's handler for one event, in that subscriber's job. A domain error (a business
   * rule refusing the event) will refuse it again on every retry, so it fails the job at once.
   */
  async run(registration: Registration, event: DomainEventJob): Promise<void> {
    try {
      await registration.handle(event);
    } catch (error) {
      if (error instanceof DomainError)
        throw new UnrecoverableError(
          `${registration.subscriber.name} refused ${event.type} ${event.eventId}: ${error.message}`,
        );
      throw error;
    }
  }

  /** Every registration, for the start-up check. */
  registered(): readonly Registration[] {
    return this.registrations;
  }
}
