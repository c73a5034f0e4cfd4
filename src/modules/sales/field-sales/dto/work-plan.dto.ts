import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../../common/pagination/cursor.js';
import { IsCalendarDate } from '../../../../common/validation/validators.js';
import { WORK_PLAN_STATUSES } from '../work-plan-lifecycle.js';

export const ENTRY_KINDS = ['visit', 'office', 'order_follow_up', 'training', 'other'] as const;
export const RELATED_TYPES = ['opportunity', 'service_request', 'complaint'] as const;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** One entry of a plan: a customer visit (customer, place, window, purpose) or another kind of day. */
export class WorkPlanEntryInput {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'An existing entry of the plan (kept, moved or edited); absent for a new one',
  })
  @IsOptional()
  @IsUUID()
  id?: string;

  @ApiProperty({ example: '2026-12-08', description: 'A day of the plan’s week' })
  @IsCalendarDate()
  day: string;

  @ApiProperty({ enum: ENTRY_KINDS })
  @IsIn(ENTRY_KINDS)
  kind: (typeof ENTRY_KINDS)[number];

  @ApiPropertyOptional({ example: '09:00' })
  @IsOptional()
  @Matches(HH_MM, { message: 'startsAt must be HH:MM' })
  startsAt?: string;

  @ApiPropertyOptional({ example: '11:00' })
  @IsOptional()
  @Matches(HH_MM, { message: 'endsAt must be HH:MM' })
  endsAt?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for a visit' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ example: '浙江省永康市五金城 18 号' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  placeAddress?: string;

  @ApiPropertyOptional({ example: 28.8885, description: 'Required for a visit' })
  @IsOptional()
  @IsLatitude()
  lat?: number;

  @ApiPropertyOptional({ example: 120.0474, description: 'Required for a visit' })
  @IsOptional()
  @IsLongitude()
  lng?: number;

  @ApiPropertyOptional({ example: '处理缺陷投诉' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  purpose?: string;

  @ApiPropertyOptional({ enum: RELATED_TYPES })
  @IsOptional()
  @IsIn(RELATED_TYPES)
  relatedType?: (typeof RELATED_TYPES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  relatedId?: string;
}

export class CreateWorkPlanDto {
  @ApiProperty({ example: '2026-12-07', description: 'The Monday the week starts on (sales time zone)' })
  @IsCalendarDate()
  weekStart: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A manager plans for a team member; defaults to the caller' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiProperty({ type: [WorkPlanEntryInput], description: 'In order within each day' })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => WorkPlanEntryInput)
  entries: WorkPlanEntryInput[];
}

export class UpdateWorkPlanDto {
  @ApiProperty({
    type: [WorkPlanEntryInput],
    description:
      'The whole plan, in order within each day: entries with an id are kept (moved, edited), the others added, the missing removed',
  })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => WorkPlanEntryInput)
  entries: WorkPlanEntryInput[];

  @ApiPropertyOptional({ description: 'The version you read (or If-Match)' })
  @IsOptional()
  @IsInt()
  version?: number;
}

export class AddPlanEntryDto extends WorkPlanEntryInput {
  @ApiPropertyOptional({ minimum: 0, description: 'Place in the day’s order: 0 is first; default last' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  position?: number;
}

export class RequestChangesDto {
  @ApiProperty({ example: '周二先去永康五金处理缺陷投诉' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @Matches(/\S/, { message: 'comment must not be blank' })
  comment: string;
}

export class ListWorkPlansQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ example: '2026-12-07' })
  @IsOptional()
  @IsCalendarDate()
  weekStart?: string;

  @ApiPropertyOptional({ enum: WORK_PLAN_STATUSES })
  @IsOptional()
  @IsIn(WORK_PLAN_STATUSES)
  status?: string;
}

export class PlaceDto {
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty() lat: number;
  @ApiProperty() lng: number;
}

export class PositionAtDto {
  @ApiProperty() at: string;
  @ApiProperty() lat: number;
  @ApiProperty() lng: number;
}

export class WorkPlanEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) workPlanId: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty() day: string;
  @ApiProperty() position: number;
  @ApiProperty({ enum: ENTRY_KINDS }) kind: string;
  @ApiProperty({ description: 'false for a visit checked in without a plan' }) planned: boolean;
  @ApiProperty({ nullable: true, type: String }) startsAt: string | null;
  @ApiProperty({ nullable: true, type: String }) endsAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) customerId: string | null;
  @ApiProperty({ nullable: true, type: PlaceDto }) place: PlaceDto | null;
  @ApiProperty({ nullable: true, type: String }) purpose: string | null;
  @ApiProperty({ nullable: true, type: Object }) related: { type: string; id: string } | null;
  @ApiProperty({ enum: ['planned', 'checked_in', 'done', 'skipped'] }) status: string;
  @ApiProperty({ nullable: true, type: PositionAtDto }) checkIn: PositionAtDto | null;
  @ApiProperty({ nullable: true, type: PositionAtDto }) checkOut: PositionAtDto | null;
  @ApiProperty({ nullable: true, type: Object }) outcome: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) skipReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) dispatchedBy: string | null;
  @ApiProperty({ nullable: true, type: Object }) dispatchInfo: Record<string, unknown> | null;
}

export class WorkPlanDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty() weekStart: string;
  @ApiProperty({ enum: WORK_PLAN_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) reviewComment: string | null;
  @ApiProperty({ nullable: true, type: String }) submittedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) reviewedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) reviewedBy: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: [WorkPlanEntryDto] }) entries: WorkPlanEntryDto[];
}
