import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsCalendarDate } from '../../../common/validation/validators.js';
import { ACTION_STATUSES } from '../improvement-action-lifecycle.js';

export class CreateImprovementActionDto {
  @ApiProperty({ example: 'product_design.heat_dissipation', description: 'The root cause it fixes (second level)' })
  @IsString()
  @MaxLength(100)
  rootCause: string;

  @ApiProperty({ example: 'X3 净水器加大散热片' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiProperty({ format: 'uuid', description: 'Who carries it out' })
  @IsUUID()
  ownerId: string;

  @ApiProperty({ example: '2026-12-31' })
  @IsCalendarDate()
  dueOn: string;

  @ApiPropertyOptional({ type: [String], description: 'Complaints it addresses (more may be linked later)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  complaintIds?: string[];
}

export class UpdateImprovementActionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ example: '2027-01-15' })
  @IsOptional()
  @IsCalendarDate()
  dueOn?: string;
}

export class LinkComplaintsDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  complaintIds: string[];
}

export class CompleteImprovementActionDto {
  @ApiProperty({
    example: '自 12 月起出厂的 X3 均已更换加大散热片；已购用户可免费上门更换。',
    description: 'What was changed: told to every complainant',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2_000)
  changeSummary: string;
}

export class VerdictDto {
  @ApiPropertyOptional({ example: '完成后四周内同类投诉由 12 起降为 1 起' })
  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  note?: string;
}

export class ListImprovementActionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ACTION_STATUSES })
  @IsOptional()
  @IsIn(ACTION_STATUSES)
  status?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rootCause?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}

export class VerificationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 52, default: 4, description: 'Weeks before and after the completion' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(52)
  weeks = 4;
}

export class ImprovementActionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'IA-000042' }) number: string;
  @ApiProperty() rootCause: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ example: '2026-12-31' }) dueOn: string;
  @ApiProperty({ enum: ACTION_STATUSES }) status: string;
  @ApiProperty({ description: 'How many times it has been completed' }) round: number;
  @ApiProperty({ nullable: true, type: String }) changeSummary: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) verifiedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) verdictNote: string | null;
  @ApiProperty({ type: [String], description: 'Linked complaints, oldest link first' }) complaintIds: string[];
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ImprovementActionPageDto {
  @ApiProperty({ type: [ImprovementActionDto] }) data: ImprovementActionDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ReportBackDto {
  @ApiProperty() round: number;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ type: [String] }) complaintIds: string[];
  @ApiProperty() reportedAt: string;
}

export class VerificationDto {
  @ApiProperty() weeks: number;
  @ApiProperty({ description: 'Complaints of the root cause received in the N weeks before the completion' })
  before: number;
  @ApiProperty({ description: 'Received in the N weeks after it (so far)' }) after: number;
  @ApiProperty({ description: 'Whether the N weeks after have all passed' }) complete: boolean;
}

export class ImprovementActionDetailDto extends ImprovementActionDto {
  @ApiProperty({ type: [ReportBackDto], description: 'One per customer per completion' }) reportBacks: ReportBackDto[];
  @ApiProperty({ type: VerificationDto, nullable: true, description: 'Recurrence around the last completion' })
  verification: VerificationDto | null;
}
