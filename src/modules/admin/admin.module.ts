import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { QueuesAdminService } from './queues-admin.service.js';

/** Operations endpoints (queues, audit log, configuration) and the queue dashboard, served by api processes only. */
@Module({
  controllers: [AdminController],
  providers: [QueuesAdminService, AuditLogRepository],
  exports: [QueuesAdminService],
})
export class AdminHttpModule {}
