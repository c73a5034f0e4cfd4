import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { segmentConditionSql } from '../segments/segment-filter.js';
import { SegmentsService } from '../segments/segments.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { contentKey } from './message-template.js';

/**
 * A campaign's launch, run by its job when the schedule comes: under the campaign's row lock (so it
 * waits for the transaction that scheduled it, and two runs cannot both launch), the audience is
 * selected, gated and stored in one statement (CampaignsRepository.launch), and the campaign marked
 * `launched` with its counts. The dispatcher then sends the messages in batches, each channel at its
 * rate limit. A campaign no longer `scheduled` (launched by an earlier run, cancelled) is left alone.
 */
@Injectable()
export class LaunchCampaign {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly segments: SegmentsService,
    private readonly transactions: TransactionRunner,
  ) {}

  async execute(campaignId: string, now = new Date()): Promise<string> {
    return this.transactions.run(async (tx) => {
      const campaign = await this.campaigns.lock(tx, campaignId);
      if (!campaign) return 'gone';
      if (campaign.status !== 'scheduled') return `not scheduled (${campaign.status})`;
      const filter = await this.segments.filterOf(campaign.segmentId);
      const params: unknown[] = [];
      const condition = segmentConditionSql(filter, 'c', (value) => `$${params.push(value)}`);
      const counts = await this.campaigns.launch(
        tx,
        campaign,
        condition,
        params,
        contentKey(campaign.subject, campaign.body),
        now,
      );
      await this.campaigns.update(tx, campaignId, {
        status: 'launched',
        launchedAt: now,
        audience: counts.audience,
        heldOut: counts.heldOut,
      });
      return `launched: ${counts.audience} decided, ${counts.heldOut} held out`;
    });
  }
}
