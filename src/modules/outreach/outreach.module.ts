import { Module } from '@nestjs/common';
import { LoyaltyModule } from '../loyalty/loyalty.module.js';
import { SegmentsModule } from '../segments/segments.module.js';
import { CampaignsController } from './campaigns.controller.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { CampaignsService } from './campaigns.service.js';
import { LaunchCampaign } from './launch-campaign.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { CareScans } from './care-scans.js';
import { CareScansRepository } from './care-scans.repository.js';
import { CareTriggersHandler } from './care-triggers.handler.js';
import { OutreachDispatcher } from './outreach-dispatcher.js';
import { OutreachSendWorkers } from './outreach-send.workers.js';
import { OutreachTriggersProcessor } from './outreach-triggers.processor.js';
import { ReportBackHandler } from './report-back.handler.js';
import { SendMessageBatch } from './send-message-batch.js';
import { StoredMessageRenderer } from './stored-message-renderer.js';
import { ContactGate } from './contact-gate.service.js';
import { CreateOutreachMessage } from './create-outreach-message.js';
import { OutreachController } from './outreach.controller.js';
import { OutreachMessagesRepository } from './outreach-messages.repository.js';
import { OutreachMessagesService } from './outreach-messages.service.js';
import { OutreachRulesRepository } from './outreach-rules.repository.js';
import { OutreachRulesService } from './outreach-rules.service.js';
import { OutreachMergeStep } from './outreach-merge.step.js';

/** Care outreach (R-O1…O5): rules, the contact gate every message passes, messages and their delivery. */
@Module({
  imports: [TasksModule, LoyaltyModule, SegmentsModule],
  providers: [
    OutreachMergeStep,
    OutreachMessagesRepository,
    CampaignsRepository,
    CampaignsService,
    LaunchCampaign,
    CareScansRepository,
    CareScans,
    SendMessageBatch,
    StoredMessageRenderer,
    OutreachRulesRepository,
    ContactGate,
    CreateOutreachMessage,
    OutreachRulesService,
    OutreachMessagesService,
  ],
  // Services and use cases only: the worker module below declares the repositories it reads itself.
  exports: [
    CampaignsService,
    LaunchCampaign,
    ContactGate,
    CreateOutreachMessage,
    CareScans,
    SendMessageBatch,
    StoredMessageRenderer,
    OutreachRulesService,
    OutreachMessagesService,
  ],
})
export class OutreachModule {}

/** The outreach endpoints, served by api processes only. */
@Module({
  imports: [OutreachModule],
  controllers: [OutreachController, CampaignsController],
})
export class OutreachHttpModule {}

/** Care triggers, daily scans, the dispatcher and the channel senders, in worker processes only. */
@Module({
  imports: [OutreachModule, TasksModule, LoyaltyModule],
  providers: [
    OutreachMessagesRepository,
    OutreachRulesRepository,
    CampaignsRepository,
    CareScansRepository,
    CareTriggersHandler,
    ReportBackHandler,
    OutreachTriggersProcessor,
    OutreachDispatcher,
    OutreachSendWorkers,
  ],
})
export class OutreachWorkerModule {}
