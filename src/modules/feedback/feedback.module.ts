import { Module } from '@nestjs/common';
import { OutreachModule } from '../outreach/outreach.module.js';
import { FeedbackController, FeedbackReportController } from './feedback.controller.js';
import { FeedbackMergeStep } from './feedback-merge.step.js';
import { FeedbackRepository } from './feedback.repository.js';
import { FeedbackService } from './feedback.service.js';

/** Feedback for product improvement (R-O5); survey invitations go out through outreach's contact gate. */
@Module({
  imports: [OutreachModule],
  providers: [FeedbackMergeStep, FeedbackRepository, FeedbackService],
  controllers: [FeedbackController, FeedbackReportController],
})
export class FeedbackHttpModule {}
