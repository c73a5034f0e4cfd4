import { Injectable } from '@nestjs/common';
import { settleAll } from '../../common/settle-all.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { customerInPartSql, customerParts } from '../customers/customers.sql.js';
import { segmentConditionSql } from '../segments/segment-filter.js';
import { SegmentsService } from '../segments/segments.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { contentKey } from './message-template.js';

/**
 * A campaign's launch, run by its job when the schedule comes. Under the campaign's row lock (so it
 * waits for the transaction that scheduled it, and two runs cannot both launch) and only while it is
 * `scheduled`: the control group's cut is found, then the audience is selected, gated and stored in
 * OUTREACH_BULK_PARTS statements at once, each on its own connection over a disjoint part of the
 * segment's customers (CampaignsRepository.launchPart) — writing a million messages is CPU-bound in
 * the database, and one statement uses one of its cores. The campaign is marked `launched` with its
 * counts when every part has committed. A part that failed leaves the campaign `scheduled` and the job
 * is retried: the next run leaves out the customers the committed parts stored. The dispatcher sends
 * the messages in batches, each channel at its rate limit. A campaign no longer `scheduled`
 * (launched by an earlier run, cancelled) is left alone.
 */
@Injectable()
export class LaunchCampaign {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly segments: SegmentsService,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
  ) {}

  async execute(campaignId: string, now = new Date()): Promise<string> {
    return this.transactions.run(async (tx) => {
      const campaign = await this.campaigns.lock(tx, campaignId);
      if (!campaign) return 'gone';
      if (campaign.status !== 'scheduled') return `not scheduled (${campaign.status})`;
      const filter = await this.segments.filterOf(campaign.segmentId);
      const params: unknown[] = [];
      const condition = segmentConditionSql(filter, 'c', (value) => `$${params.push(value)}`);
      const resumed = await this.campaigns.launchStarted(tx, campaignId);
      const controlCut =
        campaign.controlPercent > 0 ? await this.campaigns.controlCut(tx, campaign, condition, params) : null;
      const key = contentKey(campaign.subject, campaign.body);
      // Every part settles before the lock is let go: a retry must not run beside a part still writing.
      const parts = await settleAll(
        customerParts(this.config.OUTREACH_BULK_PARTS).map((part) =>
          this.transactions.run((partTx) =>
            this.campaigns.launchPart(partTx, campaign, {
              condition: `(${condition}) AND ${customerInPartSql('c.id', part)}`,
              params,
              controlCut,
              resumed,
              contentKey: key,
              now,
            }),
          ),
        ),
      );
      const counts = resumed
        ? await this.campaigns.launchCounts(tx, campaignId)
        : parts.reduce((sum, part) => ({
            messages: sum.messages + part.messages,
            heldOut: sum.heldOut + part.heldOut,
          }));
      await this.campaigns.update(tx, campaignId, {
        status: 'launched',
        launchedAt: now,
        audience: counts.messages,
        heldOut: counts.heldOut,
      });
      return `launched: ${counts.messages} decided, ${counts.heldOut} held out`;
    });
  }
}
