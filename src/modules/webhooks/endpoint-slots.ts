interface Slots {
  busy: number;
  waiting: (() => void)[];
}

/**
 * Caps, in one process, how many deliveries to one endpoint are in flight. A delivery over the cap
 * waits briefly for a slot (a fast endpoint frees one within milliseconds); if none frees in time
 * the endpoint is slow, and the caller should park the job instead of holding a worker slot.
 */
export class EndpointSlots {
  private readonly slots = new Map<string, Slots>();

  constructor(
    private readonly perEndpoint: number,
    private readonly waitMs: number,
  ) {}

  /** Resolves true with a slot taken (release it), or false when none freed within the wait. */
  acquire(endpointId: string): Promise<boolean> {
    let slots = this.slots.get(endpointId);
    if (!slots) this.slots.set(endpointId, (slots = { busy: 0, waiting: [] }));
    if (slots.busy < this.perEndpoint) {
      slots.busy += 1;
      return Promise.resolve(true);
    }
    const queue = slots;
    return new Promise<boolean>((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        queue.waiting.splice(queue.waiting.indexOf(grant), 1);
        resolve(false);
      }, this.waitMs);
      queue.waiting.push(grant);
    });
  }

  release(endpointId: string): void {
    const slots = this.slots.get(endpointId);
    if (!slots) return;
    const next = slots.waiting.shift();
    if (next) return next(); // the slot passes straight to the next waiter
    slots.busy -= 1;
    if (slots.busy === 0) this.slots.delete(endpointId);
  }

  inFlight(endpointId: string): number {
    return this.slots.get(endpointId)?.busy ?? 0;
  }
}
