/**
 * Event types and their subscribers, declared once per module in `<module>.events.ts`.
 *
 * An event type is a name (`purchase.recorded`), the aggregate it belongs to and — as a type only —
 * its payload. `OutboxWriter.record`, the set-based `outboxInsertSql` and `DomainEventHandlers.subscribe`
 * take these declarations instead of strings, so a renamed field or a typo is a compile error and
 * "who consumes purchase.recorded?" is a search for `CustomersEvents.purchaseRecorded`.
 *
 * A subscriber is a named handler of one or more event types (or of every partner-visible event,
 * `'*'`). Each subscriber gets a BullMQ job of its own per event (`<event id>:<subscriber name>`), so
 * handlers retry independently; the worker refuses to start when a declared subscriber has no handler
 * or two.
 */
export interface EventType<P = unknown> {
  readonly name: string;
  readonly aggregateType: string;
  /** Internal events are for other modules only: the webhook fan-out never sends them to partners. */
  readonly internal: boolean;
  /** The payload's type; never set at run time. */
  readonly payload?: P;
}

/**
 * What a payload may be given as when it is recorded: payload types are declared as consumers read them
 * (JSON: timestamps are strings), and `JSON.stringify` turns a Date into its ISO string, so a Date may
 * stand wherever the declared type has a string.
 */
export type AsRecorded<T> = T extends string
  ? string | Date
  : T extends readonly (infer U)[]
    ? AsRecorded<U>[]
    : T extends object
      ? { [K in keyof T]: AsRecorded<T[K]> }
      : T;

/** The payload an event type carries. */
export type PayloadOf<E> = E extends EventType<infer P> ? P : never;

const EVENT_NAME = /^[a-z][a-z_]*\.[a-z][a-z_]*$/;

/** Declares an event type. The name and aggregate type are written into SQL as literals, so only `family.change` in lower case is accepted. */
export function eventType<P>(name: string, aggregateType: string, options: { internal?: boolean } = {}): EventType<P> {
  if (!EVENT_NAME.test(name) || !/^[a-z_]+$/.test(aggregateType))
    throw new Error(`event type "${name}" (${aggregateType}): names are family.change in lower case`);
  return Object.freeze({ name, aggregateType, internal: options.internal ?? false });
}

/** The event types a subscriber handles, or `'*'`: every event that is not internal. */
export type SubscribedTo<P> = readonly EventType<P>[] | '*';

export interface Subscriber<P = unknown> {
  /** Unique; part of the job id (`<event id>:<name>`), so never rename a subscriber with jobs in flight. */
  readonly name: string;
  readonly module: string;
  readonly events: SubscribedTo<P>;
}

/** Declares a subscriber of these event types (all with the same payload type), or of every partner-visible event (`'*'`). */
export function subscriber<P>(module: string, handler: string, events: SubscribedTo<P>): Subscriber<P> {
  if (!/^[a-z][a-z0-9-]*$/.test(handler))
    throw new Error(`subscriber "${handler}": names are lower-case words joined by hyphens`);
  return Object.freeze({ name: `${module}.${handler}`, module, events });
}

/** Injection token of every module's catalogue, given to OutboxModule.forRole by the app module. */
export const EVENT_CATALOGUES = Symbol('EVENT_CATALOGUES');

export interface EventCatalogue {
  readonly module: string;
  readonly events: readonly EventType[];
  readonly subscribers: readonly Subscriber[];
}

/** One module's catalogue: the events it publishes and the subscribers it runs. */
export function catalogue(
  module: string,
  events: Record<string, EventType<unknown>>,
  subscribers: Record<string, Subscriber<unknown>> = {},
): EventCatalogue {
  return Object.freeze({ module, events: Object.values(events), subscribers: Object.values(subscribers) });
}

/**
 * Checks the catalogues against each other: an event name declared twice, a subscriber name used twice,
 * or a subscriber of an event no catalogue declares. Returns the problems (empty when all is well).
 */
export function catalogueProblems(catalogues: readonly EventCatalogue[]): string[] {
  const problems: string[] = [];
  const events = new Map<string, string>();
  const subscriberNames = new Set<string>();
  for (const { module, events: declared } of catalogues) {
    for (const type of declared) {
      if (events.has(type.name))
        problems.push(`event ${type.name} is declared by ${events.get(type.name)} and by ${module}`);
      events.set(type.name, module);
    }
  }
  for (const { subscribers } of catalogues) {
    for (const declared of subscribers) {
      if (subscriberNames.has(declared.name)) problems.push(`subscriber ${declared.name} is declared twice`);
      subscriberNames.add(declared.name);
      if (declared.events === '*') continue;
      for (const type of declared.events)
        if (!events.has(type.name))
          problems.push(`subscriber ${declared.name} listens to ${type.name}, which no catalogue declares`);
    }
  }
  return problems;
}

/**
 * The start-up check (as Immich does for its jobs): every declared subscriber has exactly one handler
 * registered, and every registered handler belongs to a declared subscriber. Returns the problems.
 */
export function subscriberProblems(catalogues: readonly EventCatalogue[], registered: readonly Subscriber[]): string[] {
  const declared = new Set(
    catalogues.flatMap((each) => each.subscribers.map((declaredSubscriber) => declaredSubscriber.name)),
  );
  const counts = new Map<string, number>();
  for (const { name } of registered) counts.set(name, (counts.get(name) ?? 0) + 1);
  const problems: string[] = [];
  for (const name of declared) {
    const count = counts.get(name) ?? 0;
    if (count === 0) problems.push(`subscriber ${name} is declared but no handler subscribed it`);
    if (count > 1) problems.push(`subscriber ${name} has ${count} handlers`);
  }
  for (const name of counts.keys())
    if (!declared.has(name)) problems.push(`a handler subscribed ${name}, which no catalogue declares`);
  return problems;
}
