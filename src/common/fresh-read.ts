/**
 * A read shared by the events handled around the same time, as long as it is fresh enough for each of
 * them: a caller passes when its event occurred (the outbox row's `occurred_at`, the database clock),
 * and gets a result read by a statement that began after that moment. Such a statement's snapshot holds
 * every change committed before the event occurred — what a read of its own, made later, would have
 * seen of those — so a rule or definition saved before the event is never missed. A change committed
 * after the event occurred may or may not be seen, as it was already for a job that happened to run
 * before it.
 *
 * One read at a time: callers that arrive while it runs wait for it and, if it began too early for
 * them, for one more. Under a backlog (events older than the last read) nothing is read at all; when
 * the pipeline keeps up, reads are bounded by one per round trip instead of one per event.
 */
export class FreshRead<T> {
  private last?: { value: T; readAt: number };
  private inFlight?: Promise<{ value: T; readAt: number }>;

  /** `read` returns the value and the database's `statement_timestamp()` of the statement that read it. */
  constructor(private readonly read: () => Promise<{ value: T; readAt: Date }>) {}

  /** A value read by a statement that began after `occurredAt` (milliseconds compared strictly, so truncation is safe). */
  async since(occurredAt: Date | string): Promise<T> {
    const after = new Date(occurredAt).getTime();
    if (Number.isNaN(after)) return (await this.read()).value; // no usable time: a read of its own
    for (let round = 0; round < 3; round += 1) {
      if (this.last && this.last.readAt > after) return this.last.value;
      const result = await this.next();
      if (result.readAt > after) return result.value;
    }
    // Only with a database clock behind the event's (not the same server): read as before.
    return (await this.read()).value;
  }

  private next(): Promise<{ value: T; readAt: number }> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.read()
      .then(({ value, readAt }) => {
        const result = { value, readAt: readAt.getTime() };
        if (!this.last || result.readAt >= this.last.readAt) this.last = result;
        return result;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
