import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { MoneyDto } from '../../../common/money/money.js';
import { IsCalendarDate } from '../../../common/validation/validators.js';

export class PeriodQuery {
  @ApiProperty({ example: '2026-11-01', description: 'First day of the period' })
  @IsCalendarDate()
  from: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day of the period, included' })
  @IsCalendarDate()
  to: string;
}

export class PipelineReportQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the default pipeline' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'One salesperson (within the caller’s book)' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'One manager’s team, the manager included (administrators)' })
  @IsOptional()
  @IsUUID()
  managerId?: string;
}

export class PipelineFiguresDto {
  @ApiProperty() count: number;
  @ApiProperty({ type: MoneyDto }) amount: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'Σ amount × probability' }) weightedAmount: MoneyDto;
}

export class PipelineStageFiguresDto extends PipelineFiguresDto {
  @ApiProperty({ format: 'uuid' }) stageId: string;
  @ApiProperty() name: string;
  @ApiProperty() position: number;
  @ApiProperty({ description: 'The stage’s default probability' }) probability: number;
}

export class OwnerStageFiguresDto extends PipelineFiguresDto {
  @ApiProperty({ format: 'uuid' }) stageId: string;
}

export class PipelineOwnerFiguresDto extends PipelineFiguresDto {
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ type: [OwnerStageFiguresDto] }) stages: OwnerStageFiguresDto[];
}

export class PipelineReportDto {
  @ApiProperty({ format: 'uuid' }) pipelineId: string;
  @ApiProperty({ type: [PipelineStageFiguresDto], description: 'Open opportunities per stage, in order' })
  stages: PipelineStageFiguresDto[];
  @ApiProperty({ type: [PipelineOwnerFiguresDto] }) owners: PipelineOwnerFiguresDto[];
  @ApiProperty({ type: PipelineFiguresDto }) total: PipelineFiguresDto;
}

export class SalesPerformanceRowDto {
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ description: 'Leads assigned to them that arrived in the period' }) leadsAssigned: number;
  @ApiProperty({ description: 'Of those, contacted by their response deadline' }) contactedWithinDeadline: number;
  @ApiProperty({ description: 'Of those, converted' }) converted: number;
  @ApiProperty({ description: 'Opportunities won in the period' }) won: number;
  @ApiProperty({ description: 'Opportunities lost in the period' }) lost: number;
  @ApiProperty({ type: MoneyDto, description: 'Amount of the opportunities won in the period' }) revenue: MoneyDto;
  @ApiProperty({ nullable: true, type: Number, description: 'Days from creation to winning, on average' })
  averageCycleDays: number | null;
}

export class SalesPerformanceDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [SalesPerformanceRowDto] }) data: SalesPerformanceRowDto[];
}

export class LeadSourceRowDto {
  @ApiProperty() source: string;
  @ApiProperty({ nullable: true, type: String }) campaignId: string | null;
  @ApiProperty({ description: 'Leads that arrived in the period' }) leads: number;
  @ApiProperty() converted: number;
  @ApiProperty({ description: 'converted / leads (0–1)' }) conversionRate: number;
  @ApiProperty({ description: 'Their opportunities won' }) won: number;
  @ApiProperty({ type: MoneyDto }) wonAmount: MoneyDto;
  @ApiProperty({ description: 'Purchases attributed to their won opportunities' }) attributedPurchases: number;
  @ApiProperty({ type: MoneyDto }) attributedAmount: MoneyDto;
}

export class LeadSourcesDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [LeadSourceRowDto] }) data: LeadSourceRowDto[];
}
