import { Injectable } from '@nestjs/common';
import type { DomainEventJob } from '../queues/queue-names.js';

export type DomainEventHandler = (event: DomainEventJob) => Promise<void>;

/**
 * Modules subscribe to event types here (an exact type, or a prefix ending in `*`) when they start.
 * Handlers must be idempotent: a job can run more than once.
 */
@Injectable()
export class DomainEventHandlers {
  private readonly handlers: { pattern: string; handler: DomainEventHandler }[] = [];

  subscribe(pattern: string, handler: DomainEventHandler): void {
    this.handlers.push({ pattern, handler });
  }

  matching(type: string): DomainEventHandler[] {
    return this.handlers
      .filter(({ pattern }) => pattern === type || pattern === '*' || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))))
      .map(({ handler }) => handler);
  }
}
