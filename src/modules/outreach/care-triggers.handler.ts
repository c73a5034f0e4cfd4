import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { FreshRead } from '../../common/fresh-read.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { type OutreachTriggerJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { TiersService } from '../loyalty/tiers.service.js';
import { OutreachSubscribers } from './outreach.events.js';
import { OutreachRulesRepository, type RuleTrigger } from './outreach-rules.repository.js';

const DAY_MS = 86_400_000;
/** The triggers this handler schedules from events. */
const EVENT_TRIGGERS: readonly RuleTrigger[] = [
  'purchase_follow_up',
  'service_satisfaction',
  'lead_converted',
  'tier_upgrade',
];

/**
 * Event-triggered care rules: each matching active rule schedules a delayed job (its `delayDays`)
 * with the job id `rule.<rule>.<source>`, so a redelivered event schedules nothing twice; the job
 * creates the message with the dedupe key `<rule>:<source>`, so nothing is sent twice even after the
 * job is gone from Redis.
 */
@Injectable()
export class CareTriggersHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly rules: OutreachRulesRepository,
    private readonly tiers: TiersService,
    @InjectQueue(QueueName.OutreachTriggers) private readonly queue: Queue<OutreachTriggerJob>,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(OutreachSubscribers.followUpPurchase, ({ occurredAt, payload }) =>
      this.schedule('purchase_follow_up', occurredAt, payload.purchase.customerId, payload.purchase.id),
    );
    this.handlers.subscribe(OutreachSubscribers.checkSatisfaction, ({ occurredAt, payload }) =>
      this.schedule('service_satisfaction', occurredAt, payload.serviceRequest.customerId, payload.serviceRequest.id),
    );
    this.handlers.subscribe(OutreachSubscribers.informConvertedLead, ({ occurredAt, payload }) =>
      this.schedule('lead_converted', occurredAt, payload.customerId, payload.lead.id),
    );
    this.handlers.subscribe(OutreachSubscribers.congratulateTierUpgrade, async ({ eventId, occurredAt, payload }) => {
      if (await this.isUpgrade(occurredAt, payload.oldTier, payload.newTier))
        await this.schedule('tier_upgrade', occurredAt, payload.customerId, eventId);
    });
  }

  /**
   * The active rules of the event-triggered kinds, read after the event occurred: a rule saved before
   * the event always applies to it. The events handled around the same time share the read (FreshRead)
   * instead of one statement each.
   */
  private readonly eventRules = new FreshRead(async () => {
    const { rules, readAt } = await this.rules.activeWithTriggers(EVENT_TRIGGERS);
    return { value: rules, readAt };
  });

  private async schedule(
    trigger: RuleTrigger,
    occurredAt: string,
    customerId: string,
    sourceId: string,
  ): Promise<void> {
    const rules = (await this.eventRules.since(occurredAt)).filter((rule) => rule.trigger === trigger);
    if (!rules.length) return;
    await this.queue.addBulk(
      rules.map((rule) => ({
        name: 'fire-rule',
        data: { task: 'fire-rule' as const, ruleId: rule.id, customerId, sourceId },
        opts: { jobId: `rule.${rule.id}.${sourceId}`, delay: rule.delayDays * DAY_MS },
      })),
    );
  }

  /** Rank 1 is the top tier: a smaller rank than before (or a first tier) is a move up. */
  private async isUpgrade(occurredAt: string, oldTier: string | null, newTier: string): Promise<boolean> {
    const ranks = new Map((await this.tiers.definitionsSince(occurredAt)).map((tier) => [tier.name, tier.rank]));
    const after = ranks.get(newTier);
    if (after === undefined) return false;
    if (oldTier === null) return true;
    const before = ranks.get(oldTier);
    return before === undefined || after < before;
  }
}
