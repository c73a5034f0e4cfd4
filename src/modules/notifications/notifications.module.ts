import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';

/** Notices to staff: other modules write them through NotificationsService in their own transactions. */
@Module({ providers: [NotificationsRepository, NotificationsService], exports: [NotificationsService] })
export class NotificationsModule {}

/** `GET /notifications`, served by api processes only. */
@Module({ imports: [NotificationsModule], controllers: [NotificationsController] })
export class NotificationsHttpModule {}
