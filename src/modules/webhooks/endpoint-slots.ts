/** What one process knows of one endpoint. */
interface EndpointState {
  busy: number;
  consecutiveFailures: number;
  /** Moving average of attempt durations; null until an attempt has finished. */
  latencyMs: number | null;
  /** When the next delivery parked for this endpoint is due back: parked deliveries are spaced out from here. */
  nextDueAt: number;
}

export interface SlotPolicy {
  /** In flight to one healthy endpoint. */
  perEndpoint: number;
  /** Consecutive failed attempts after which an endpoint counts as failing (its breaker opens). */
  tripAfterFailures: number;
  /** In flight to all failing endpoints together, so several dead partners cannot take every slot. */
  failingTotal: number;
  /** An attempt's time limit: the latency assumed until one has been measured, and the most it counts. */
  timeoutMs: number;
}

/** A slot held: give it back with release() once the attempt is over. */
export interface Lease {
  endpointId: string;
  failing: boolean;
}

/** No slot: park the delivery until then (not counted as an attempt). */
export interface Parked {
  parkUntil: number;
}

// A parked delivery never comes back sooner than this, so a busy fast endpoint does not spin.
const MIN_PARK_MS = 25;
const LATENCY_WEIGHT = 0.3;
const INITIAL_LATENCY_MS = 1_000;

/**
 * Decides, in one process and without waiting, whether a delivery may be sent now. A healthy endpoint
 * may have `perEndpoint` attempts in flight; one whose last `tripAfterFailures` attempts failed gets
 * one, out of a small budget shared by every failing endpoint, until an attempt succeeds. A delivery
 * over the limit is parked at once, and the parked deliveries of an endpoint are spaced by the time
 * the endpoint needs per delivery (its latency over its limit): they come back at the rate the endpoint
 * can take them, so a backlog to a dead partner never crowds the shared queue that healthy partners use.
 */
export class EndpointSlots {
  private readonly endpoints = new Map<string, EndpointState>();
  private failingBusy = 0;

  constructor(private readonly policy: SlotPolicy) {}

  tryAcquire(endpointId: string, now = Date.now()): Lease | Parked {
    const state = this.stateOf(endpointId);
    const failing = state.consecutiveFailures >= this.policy.tripAfterFailures;
    const limit = failing ? 1 : this.policy.perEndpoint;
    if (state.busy < limit && (!failing || this.failingBusy < this.policy.failingTotal)) {
      state.busy += 1;
      if (failing) this.failingBusy += 1;
      return { endpointId, failing };
    }
    const spacing =
      Math.min(state.latencyMs ?? Math.min(INITIAL_LATENCY_MS, this.policy.timeoutMs), this.policy.timeoutMs) / limit;
    const parkUntil = Math.max(state.nextDueAt, now + MIN_PARK_MS);
    state.nextDueAt = parkUntil + spacing;
    return { parkUntil: Math.round(parkUntil) };
  }

  release(lease: Lease, attempt: { succeeded: boolean; latencyMs: number }): void {
    const state = this.stateOf(lease.endpointId);
    state.busy -= 1;
    if (lease.failing) this.failingBusy -= 1;
    state.consecutiveFailures = attempt.succeeded ? 0 : state.consecutiveFailures + 1;
    const latency = Math.min(attempt.latencyMs, this.policy.timeoutMs);
    state.latencyMs =
      state.latencyMs === null ? latency : state.latencyMs + LATENCY_WEIGHT * (latency - state.latencyMs);
  }

  inFlight(endpointId: string): number {
    return this.endpoints.get(endpointId)?.busy ?? 0;
  }

  isFailing(endpointId: string): boolean {
    return (this.endpoints.get(endpointId)?.consecutiveFailures ?? 0) >= this.policy.tripAfterFailures;
  }

  private stateOf(endpointId: string): EndpointState {
    let state = this.endpoints.get(endpointId);
    if (!state)
      this.endpoints.set(endpointId, (state = { busy: 0, consecutiveFailures: 0, latencyMs: null, nextDueAt: 0 }));
    return state;
  }
}
