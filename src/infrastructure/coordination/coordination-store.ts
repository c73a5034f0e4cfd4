/**
 * Small, short-lived state every api and worker replica must see alike: log-in attempt windows and
 * the queue markers (the SLA alarms' "still intact" marker). It lives beside the queues: in Redis by
 * default, in Postgres when the queues run on BullMQ's Postgres backend (QUEUE_BACKEND=postgres, the
 * embedded mode), so that mode needs no Redis at all.
 */
export abstract class CoordinationStore {
  /** The check's name in /health/ready: `redis`, or `queues` when everything lives in Postgres. */
  abstract readonly healthCheckName: string;

  /** Resolves when the store answers; rejects otherwise. */
  abstract ping(): Promise<void>;

  /**
   * Counts one more attempt under each key, in a fixed window its first attempt opened; returns each
   * key's count in its current window, in the order of `keys`.
   */
  abstract countInWindows(keys: string[], windowSeconds: number): Promise<number[]>;

  /** Sets a marker unless it is already there; true when this call set it. */
  abstract setMarkerIfAbsent(key: string, value: string): Promise<boolean>;

  abstract deleteMarker(key: string): Promise<void>;
}
