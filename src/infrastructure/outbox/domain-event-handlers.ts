import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DomainError } from '../../common/errors/domain-errors.js';
import type { DomainEvent, DomainEventJob } from '../queues/queue-names.js';
import { EVENT_CATALOGUES, type EventCatalogue, type Subscriber } from './event-catalogue.js';
import { OutboxPayloads } from './outbox-payloads.js';

export type DomainEventHandler<P = Record<string, unknown>> = (event: DomainEvent<P>) => Promise<void>;

export interface Registration {
  subscriber: Subscriber;
  handle: DomainEventHandler<unknown>;
  /** False for a handler that needs only the event's ids (it reads what it needs itself): no payload is read for it. */
  readsPayload: boolean;
}

/**
 * Modules register the handler of each subscriber they declared (`<module>.events.ts`) when they start.
 * Handlers must be idempotent: a job can run more than once. A handler gets the payload its event's
 * outbox row holds when the job runs — the job carries only the ids (see DomainEventJob).
 */
@Injectable()
export class DomainEventHandlers {
  private readonly registrations: Registration[] = [];
  private readonly retiredHandlers = new Map<string, Registration>();
  /** Types declared internal: `'*'` subscribers (the webhook fan-out) do not receive them. */
  private readonly internalTypes: ReadonlySet<string>;

  private readonly logger = new Logger(DomainEventHandlers.name);

  constructor(
    @Inject(EVENT_CATALOGUES) catalogues: readonly EventCatalogue[],
    private readonly payloads: OutboxPayloads,
  ) {
    this.internalTypes = new Set(
      catalogues.flatMap(({ events }) => events.filter((type) => type.internal).map((type) => type.name)),
    );
  }

  subscribe<P>(subscriber: Subscriber<P>, handle: DomainEventHandler<P>): void {
    // The payload is the declared type's: the subscriber's events are declarations, and only OutboxWriter
    // and outboxInsertSql (typed by the same declarations) write the outbox.
    this.registrations.push({ subscriber, handle: handle as DomainEventHandler<unknown>, readsPayload: true });
  }

  /** A handler that needs only the event's ids and type, not its payload (which is then not read). */
  subscribeByReference(subscriber: Subscriber<unknown>, handle: (event: DomainEventJob) => Promise<void>): void {
    this.registrations.push({ subscriber, handle, readsPayload: false });
  }

  /**
   * Keeps running the jobs of a subscriber no longer declared, which a relay or worker of the previous
   * version may have queued: no new job is queued for it (`matching` never returns it), and the
   * start-up check does not count it. Remove it a release later, when none of its jobs can be left.
   */
  retire(name: string, module: string, handle: (event: DomainEventJob) => Promise<void>): void {
    // Retired handlers get the event's ids, not its payload.
    this.retiredHandlers.set(name, { subscriber: { name, module, events: [] }, handle, readsPayload: false });
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
  async run(registration: Registration, job: DomainEventJob): Promise<void> {
    const event = await this.withPayload(registration, job);
    if (!event) return;
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

  /** The event with its payload read from the outbox (or none, for a handler that reads no payload); null when the row is gone. */
  private async withPayload(registration: Registration, job: DomainEventJob): Promise<DomainEvent<unknown> | null> {
    // Only the reference: a job queued by an older version also carried the payload as it was then.
    const { eventId, outboxId, type, aggregateType, aggregateId, occurredAt } = job;
    const reference = { eventId, outboxId, type, aggregateType, aggregateId, occurredAt };
    if (!registration.readsPayload) return { ...reference, payload: undefined };
    const payload = await this.payloads.of(outboxId);
    if (payload === null) {
      this.logger.warn(
        { eventId, type, subscriber: registration.subscriber.name },
        'the event is no longer in the outbox (purged after OUTBOX_RETENTION_DAYS); not handled',
      );
      return null;
    }
    return { ...reference, payload };
  }

  /** Every registration, for the start-up check. */
  registered(): readonly Registration[] {
    return this.registrations;
  }
}
