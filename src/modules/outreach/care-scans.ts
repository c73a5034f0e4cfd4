import { Injectable, Logger } from '@nestjs/common';
import { localDate } from '../../common/time/zoned-time.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { customerParts } from '../customers/customers.sql.js';
import { TiersService } from '../loyalty/tiers.service.js';
import { contentKey } from './message-template.js';
import { CareScansRepository, type ScanTarget } from './care-scans.repository.js';
import { OutreachRulesRepository, type RuleRow, type RuleTrigger } from './outreach-rules.repository.js';

const DAY_MS = 86_400_000;
const AUDIENCES: Partial<Record<RuleTrigger, ScanTarget['audience']>> = {
  birthday: 'birthday',
  dormant: 'dormant',
  vip_care_call: 'vip',
};

/** The date-based care rules (birthday, dormant, VIP care calls), each run recorded at GET /outreach/runs. */
@Injectable()
export class CareScans {
  private readonly logger = new Logger(CareScans.name);

  constructor(
    private readonly rules: OutreachRulesRepository,
    private readonly scans: CareScansRepository,
    private readonly tiers: TiersService,
    private readonly config: AppConfig,
  ) {}

  /** Every active date-based rule, for `day` (default: today in OUTREACH_TIME_ZONE). */
  async runAll(day = localDate(new Date(), this.config.OUTREACH_TIME_ZONE)): Promise<string[]> {
    const runs: string[] = [];
    for (const trigger of Object.keys(AUDIENCES) as RuleTrigger[])
      for (const rule of await this.rules.activeWithTrigger(trigger)) runs.push(await this.run(rule, day));
    return runs;
  }

  /** One rule's scan for the day; returns the run's id. A failure is recorded on the run, not thrown. */
  async run(rule: RuleRow, day: string): Promise<string> {
    const audience = AUDIENCES[rule.trigger];
    if (!audience) throw new Error(`rule ${rule.id} (${rule.trigger}) is not date-based`);
    const runId = await this.rules.startRun(rule.id, day);
    try {
      const target: ScanTarget = { audience, day, contentKey: contentKey(rule.subject, rule.body), now: new Date() };
      if (audience === 'vip') {
        const top = (await this.tiers.definitions()).find((tier) => tier.rank === 1);
        if (!top) throw new Error('no tier of rank 1 is defined');
        target.topTier = top.name;
        // One call per period of everyDays; each call is a new occasion, so the period is part of its content.
        target.period = Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS / (rule.everyDays ?? 30));
        target.contentKey = `${target.contentKey}:p${target.period}`;
      }
      // The parts at once, each on its own connection: a first run over a large audience writes a
      // message per customer, and one statement uses one of the database's cores. A failed part is
      // recorded with what the others stored; the next run decides its customers (they are still new).
      const parts = await Promise.allSettled(
        customerParts(this.config.OUTREACH_BULK_PARTS).map((part) => this.scans.scan(rule, { ...target, part })),
      );
      const stored = parts.flatMap((part) => (part.status === 'fulfilled' ? [part.value] : []));
      await this.rules.finishRun(runId, {
        matched: stored.reduce((sum, part) => sum + part.matched, 0),
        created: stored.reduce((sum, part) => sum + part.created, 0),
        errors: parts.flatMap((part) => (part.status === 'rejected' ? [(part.reason as Error).message] : [])),
      });
      const failed = parts.find((part) => part.status === 'rejected');
      if (failed) this.logger.error({ err: failed.reason, ruleId: rule.id, day }, 'care scan failed in part');
    } catch (error) {
      this.logger.error({ err: error, ruleId: rule.id, day }, 'care scan failed');
      await this.rules.finishRun(runId, { matched: 0, created: 0, errors: [(error as Error).message] });
    }
    return runId;
  }
}
