import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { Conflict, NotFound, StaleVersion, Unprocessable } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { rejectNulls } from '../../common/validation/validators.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { type OutreachTriggerJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { SegmentsService } from '../segments/segments.service.js';
import { type CampaignRow, CampaignsRepository } from './campaigns.repository.js';
import type { CampaignDto, CampaignStatsDto, CreateCampaignDto, UpdateCampaignDto } from './dto/campaign.dto.js';
import { validateTemplates } from './outreach-rules.service.js';

export function toCampaignDto(row: CampaignRow): CampaignDto {
  return {
    id: row.id,
    name: row.name,
    segmentId: row.segmentId,
    purpose: row.purpose,
    channels: row.channels,
    subject: row.subject,
    body: row.body,
    scheduledAt: row.scheduledAt?.toISOString() ?? null,
    budget: row.budget,
    cost: row.cost,
    attributionDays: row.attributionDays,
    controlPercent: row.controlPercent,
    status: row.status,
    launchedAt: row.launchedAt?.toISOString() ?? null,
    audience: row.audience,
    heldOut: row.heldOut,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The job that launches the campaign: one per launch (the version the launch left), delayed until its schedule. */
export function launchJobId(campaignId: string, version: number): string {
  return `campaign.${campaignId}.v${version}`;
}

/** Campaigns to a segment (R-O3, R-O4): edited while drafts, launched once, their return read from the stats. */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly segments: SegmentsService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    @InjectQueue(QueueName.OutreachTriggers) private readonly triggers: Queue<OutreachTriggerJob>,
  ) {}

  async create(dto: CreateCampaignDto, principal: Principal, requestId: string): Promise<CampaignDto> {
    validateTemplates(dto);
    await this.requireSegment(dto.segmentId);
    return this.transactions.run(async (tx) => {
      const row = await this.campaigns.insert(
        tx,
        { purpose: 'marketing', ...dto },
        principal.kind === 'user' ? principal.id : null,
      );
      await this.audit.record(tx, principal, requestId, {
        action: 'campaign.created',
        entityType: 'campaign',
        entityId: row.id,
        after: toCampaignDto(row),
      });
      return toCampaignDto(row);
    });
  }

  async update(
    id: string,
    dto: UpdateCampaignDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<CampaignDto> {
    rejectNulls(dto, [
      'name',
      'segmentId',
      'purpose',
      'channels',
      'subject',
      'body',
      'cost',
      'attributionDays',
      'controlPercent',
    ]);
    validateTemplates(dto);
    if (dto.segmentId) await this.requireSegment(dto.segmentId);
    return this.transactions.run(async (tx) => {
      const current = await this.campaigns.lock(tx, id);
      if (!current) throw new NotFound('Campaign', id);
      const expected = ifMatch ?? dto.version;
      if (expected !== undefined && expected !== current.version)
        throw new StaleVersion('The campaign', expected, current.version);
      const { version: _version, ...changes } = dto;
      // After the launch only the money may change: the audience and the content are history.
      const locked = Object.keys(changes).filter((field) => !['cost', 'budget', 'name'].includes(field));
      if (current.status !== 'draft' && locked.length)
        throw new Conflict(
          `The campaign is ${current.status}; only its name, cost and budget may change (not ${locked.join(', ')}).`,
        );
      const row = Object.keys(changes).length ? await this.campaigns.update(tx, id, changes) : current;
      await this.audit.record(tx, principal, requestId, {
        action: 'campaign.updated',
        entityType: 'campaign',
        entityId: id,
        before: toCampaignDto(current),
        after: toCampaignDto(row),
        fields: Object.keys(changes),
      });
      return toCampaignDto(row);
    });
  }

  async get(id: string): Promise<CampaignRow> {
    const row = await this.campaigns.findById(id);
    if (!row) throw new NotFound('Campaign', id);
    return row;
  }

  async list(query: { cursor?: string; limit: number }): Promise<Page<CampaignDto>> {
    const rows = await this.campaigns.list(decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toCampaignDto);
  }

  /**
   * Schedules the launch: the campaign becomes `scheduled` and its launch job is added, delayed until
   * `scheduledAt` (or at once), in the same transaction; the job waits on the campaign's row lock, so
   * it never runs before this commit (LaunchCampaign). A campaign launches once (409 after that).
   */
  launch(id: string, principal: Principal, requestId: string): Promise<CampaignDto> {
    return this.transactions.run(async (tx) => {
      const current = await this.campaigns.lock(tx, id);
      if (!current) throw new NotFound('Campaign', id);
      if (current.status !== 'draft') throw new Conflict(`The campaign is already ${current.status}.`);
      const row = await this.campaigns.update(tx, id, { status: 'scheduled' });
      const delay = Math.max(0, (row.scheduledAt?.getTime() ?? 0) - Date.now());
      await this.triggers.add(
        'launch-campaign',
        { task: 'launch-campaign', campaignId: id },
        { jobId: launchJobId(id, row.version), delay },
      );
      await this.audit.record(tx, principal, requestId, {
        action: 'campaign.launch_requested',
        entityType: 'campaign',
        entityId: id,
        before: toCampaignDto(current),
        after: toCampaignDto(row),
      });
      return toCampaignDto(row);
    });
  }

  async stats(id: string): Promise<CampaignStatsDto> {
    const campaign = await this.get(id);
    const stats = await this.campaigns.stats(campaign);
    const cost = Number(campaign.cost);
    const revenue = Number(stats.revenue);
    return {
      campaignId: id,
      status: campaign.status,
      audience: stats.audience,
      suppressed: stats.suppressed,
      waiting: stats.waiting,
      sent: stats.sent,
      delivered: stats.delivered,
      failed: stats.failed,
      opened: stats.opened,
      clicked: stats.clicked,
      responded: stats.responded,
      leads: stats.leads,
      recipients: {
        purchasers: stats.purchasers,
        purchases: stats.purchases,
        revenue: stats.revenue,
        conversionRate: rate(stats.purchasers, stats.sent),
      },
      control: {
        size: stats.heldOut,
        purchasers: stats.controlPurchasers,
        purchases: stats.controlPurchases,
        revenue: stats.controlRevenue,
        conversionRate: rate(stats.controlPurchasers, stats.heldOut),
      },
      cost: campaign.cost,
      budget: campaign.budget,
      returnOnCost: cost > 0 ? Math.round(((revenue - cost) / cost) * 10_000) / 10_000 : null,
      attributionDays: campaign.attributionDays,
    };
  }

  private async requireSegment(segmentId: string): Promise<void> {
    try {
      await this.segments.get(segmentId);
    } catch (error) {
      if (error instanceof NotFound)
        throw new Unprocessable('There is no such segment.', [{ field: 'segmentId', message: 'no such segment' }]);
      throw error;
    }
  }
}

function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}
