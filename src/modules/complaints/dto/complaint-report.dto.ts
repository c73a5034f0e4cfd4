import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsCalendarDate } from '../../../common/validation/validators.js';
import { REPORT_GROUPS } from '../complaint-report.repository.js';

export class ComplaintReportQuery {
  @ApiProperty({ example: '2026-11-01', description: 'First day of the period (complaints received from its start)' })
  @IsCalendarDate()
  from: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day of the period, included' })
  @IsCalendarDate()
  to: string;

  @ApiPropertyOptional({ enum: REPORT_GROUPS, default: 'rootCause' })
  @IsOptional()
  @IsIn(REPORT_GROUPS)
  groupBy: (typeof REPORT_GROUPS)[number] = 'rootCause';
}

export class ComplaintFiguresDto {
  @ApiProperty({ description: 'Complaints received' }) count: number;
  @ApiProperty({ description: 'Of them, acknowledged' }) acknowledged: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Business minutes from receipt to acknowledgement' })
  medianAcknowledgeMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90AcknowledgeMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of the acknowledged ones in time (0–1)' })
  acknowledgedWithinTarget: number | null;
  @ApiProperty({ description: 'Of them, resolved (the last round of a reopened one)' }) resolved: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Business minutes worked to resolution, waiting excluded' })
  medianResolveMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90ResolveMinutes: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of the resolved ones in time (0–1)' })
  resolvedWithinTarget: number | null;
  @ApiProperty({ description: 'Complaints escalated at least once' }) escalated: number;
  @ApiProperty({ nullable: true, type: Number }) averageSatisfaction: number | null;
}

export class ParetoRowDto extends ComplaintFiguresDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The group (root cause code, category, …); null: none yet',
  })
  key: string | null;
  @ApiProperty({ example: '产品设计 / 散热不足' }) label: string;
  @ApiProperty({ description: 'count / all complaints of the period (0–1)' }) share: number;
  @ApiProperty({ description: 'Share of this group and every group above it' }) cumulativeShare: number;
}

export class WeekCountDto {
  @ApiProperty({ example: '2026-11-02', description: 'Monday of the week, in the business time zone' })
  weekStart: string;
  @ApiProperty() count: number;
}

export class GroupTrendDto {
  @ApiProperty({ nullable: true, type: String }) key: string | null;
  @ApiProperty() label: string;
  @ApiProperty({ type: [WeekCountDto], description: 'Every week of the period, oldest first' }) weeks: WeekCountDto[];
}

export class ComplaintReportDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ enum: REPORT_GROUPS }) groupBy: string;
  @ApiProperty({ type: ComplaintFiguresDto, description: 'The whole period' }) total: ComplaintFiguresDto;
  @ApiProperty({ type: [ParetoRowDto], description: 'Most complaints first' }) pareto: ParetoRowDto[];
  @ApiProperty({ type: [GroupTrendDto], description: 'In the Pareto table’s order' }) trend: GroupTrendDto[];
}
