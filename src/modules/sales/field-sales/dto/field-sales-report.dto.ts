import { ApiProperty } from '@nestjs/swagger';
import { PlaceDto, WorkPlanEntryDto } from './work-plan.dto.js';

/** The answers of GET /sales/nearby, /sales/trips and /reports/visits, for the OpenAPI document. */
export class TimeWindowDto {
  @ApiProperty({ example: '13:30' }) from: string;
  @ApiProperty({ example: '15:00' }) to: string;
}

export class LatLngDto {
  @ApiProperty() lat: number;
  @ApiProperty() lng: number;
}

export class NearestStopDto {
  @ApiProperty({ enum: ['planned_visit', 'check_in'] }) source: 'planned_visit' | 'check_in';
  @ApiProperty({ format: 'uuid' }) visitId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) customerId: string | null;
  @ApiProperty({ type: PlaceDto }) place: PlaceDto;
  @ApiProperty({ nullable: true, type: String }) startsAt: string | null;
  @ApiProperty({ nullable: true, type: String }) endsAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When they checked in (a check-in stop)' }) at:
    string | null;
}

export class NearbySalespersonDto {
  @ApiProperty({ format: 'uuid' }) salespersonId: string;
  @ApiProperty() distanceKm: number;
  @ApiProperty({ type: NearestStopDto }) nearestStop: NearestStopDto;
  @ApiProperty({ type: [TimeWindowDto], description: 'Their free windows of the workday' })
  freeWindows: TimeWindowDto[];
}

export class NearbyDto {
  @ApiProperty({ type: LatLngDto, description: 'The point searched around' }) point: LatLngDto;
  @ApiProperty({ type: [NearbySalespersonDto] }) data: NearbySalespersonDto[];
}

export class TripDto {
  @ApiProperty({ format: 'uuid' }) salespersonId: string;
  @ApiProperty({ example: '2026-11-24' }) date: string;
  @ApiProperty({ type: [WorkPlanEntryDto] }) stops: WorkPlanEntryDto[];
  @ApiProperty({ nullable: true, type: WorkPlanEntryDto }) latestCheckIn: WorkPlanEntryDto | null;
}

export class PlanVersusActualDto {
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ example: '2026-11-23' }) weekStart: string;
  @ApiProperty({ type: 'integer' }) planned: number;
  @ApiProperty({ type: 'integer' }) done: number;
  @ApiProperty({ type: 'integer' }) skipped: number;
  @ApiProperty({ type: 'integer' }) pending: number;
  @ApiProperty({ type: 'integer' }) unplanned: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Of the done visits, the share on time (0–1); null when none is done',
  })
  onTimeShare: number | null;
}

export class VisitsReportDto {
  @ApiProperty({ example: '2026-11-23' }) from: string;
  @ApiProperty({ example: '2026-11-29' }) to: string;
  @ApiProperty({ type: [PlanVersusActualDto] }) data: PlanVersusActualDto[];
}
