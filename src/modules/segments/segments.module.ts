import { Module } from '@nestjs/common';
import { SegmentsRepository } from './segments.repository.js';
import { SegmentsService } from './segments.service.js';

/** Saved segments; the customers module imports this to answer `?segmentId=`. */
@Module({
  providers: [SegmentsRepository, SegmentsService],
  exports: [SegmentsService],
})
export class SegmentsModule {}
