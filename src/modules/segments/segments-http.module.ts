import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module.js';
import { SegmentsController } from './segments.controller.js';
import { SegmentsModule } from './segments.module.js';

/** The segment endpoints, served by api processes only (members are listed by the customers module). */
@Module({
  imports: [SegmentsModule, CustomersModule],
  controllers: [SegmentsController],
})
export class SegmentsHttpModule {}
