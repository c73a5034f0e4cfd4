import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { ContactGate } from './contact-gate.service.js';
import { CreateOutreachMessage } from './create-outreach-message.js';
import { OutreachController } from './outreach.controller.js';
import { OutreachMessagesRepository } from './outreach-messages.repository.js';
import { OutreachMessagesService } from './outreach-messages.service.js';
import { OutreachRulesRepository } from './outreach-rules.repository.js';
import { OutreachRulesService } from './outreach-rules.service.js';

/** Care outreach (R-O1…O5): rules, the contact gate every message passes, messages and their delivery. */
@Module({
  imports: [TasksModule],
  providers: [
    OutreachMessagesRepository,
    OutreachRulesRepository,
    ContactGate,
    CreateOutreachMessage,
    OutreachRulesService,
    OutreachMessagesService,
  ],
  exports: [ContactGate, CreateOutreachMessage, OutreachRulesService, OutreachMessagesService],
})
export class OutreachModule {}

/** The outreach endpoints, served by api processes only. */
@Module({
  imports: [OutreachModule],
  controllers: [OutreachController],
})
export class OutreachHttpModule {}
