import { ApiProperty } from '@nestjs/swagger';
import { IsCalendarDate } from '../../../common/validation/validators.js';

export class ServiceLevelsQuery {
  @ApiProperty({ example: '2026-11-01', description: 'First day of the period (requests received from its start)' })
  @IsCalendarDate()
  from: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day of the period, included' })
  @IsCalendarDate()
  to: string;
}

export class ServiceLevelRowDto {
  @ApiProperty({ nullable: true, type: String }) tier: string | null;
  @ApiProperty() severity: string;
  @ApiProperty({ description: 'Requests received in the period' }) received: number;
  @ApiProperty() responded: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Share of responded requests answered by their deadline (0–1)',
  })
  respondedWithinSla: number | null;
  @ApiProperty() resolved: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Share of resolved requests resolved by their deadline (0–1)',
  })
  resolvedWithinSla: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minutes from receipt to first response' })
  medianResponseMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90ResponseMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minutes from receipt to resolution' })
  medianResolutionMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90ResolutionMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number }) averageSatisfaction: number | null;
}

export class ServiceLevelsDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [ServiceLevelRowDto] }) data: ServiceLevelRowDto[];
}
