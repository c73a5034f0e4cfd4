import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsTimestamp } from '../../../common/validation/validators.js';
import { SEVERITIES } from '../service-priority.js';
import { STATUSES } from '../service-request-lifecycle.js';

export const REQUEST_TYPES = ['repair', 'maintenance', 'installation', 'inquiry'] as const;
export const REQUEST_CHANNELS = ['phone', 'web', 'email', 'wechat', 'sms', 'walk_in', 'api'] as const;

export class CreateServiceRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The purchase it concerns; must be the customer's" })
  @IsOptional()
  @IsUUID()
  purchaseId?: string;

  @ApiPropertyOptional({ enum: REQUEST_CHANNELS, description: 'Defaults to `api` for API keys and `phone` for staff' })
  @IsOptional()
  @IsIn(REQUEST_CHANNELS)
  channel?: string;

  @ApiProperty({ enum: REQUEST_TYPES })
  @IsIn(REQUEST_TYPES)
  type: string;

  @ApiProperty({ enum: SEVERITIES })
  @IsIn(SEVERITIES)
  severity: string;

  @ApiProperty({ example: '净水器漏水' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  subject: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ example: 'senior-repair', description: 'Only staff with this skill receive it' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  requiredSkill?: string;

  @ApiPropertyOptional({ example: '上海', description: 'Only staff of this region (or of every region) receive it' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  region?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string;

  @ApiPropertyOptional({
    description: 'When the customer asked, if earlier than now (a call logged afterwards); at most 7 days ago',
  })
  @IsOptional()
  @IsTimestamp()
  receivedAt?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Keep it as `new` for a dispatcher to triage instead of queueing it at once',
  })
  @IsOptional()
  @IsBoolean()
  hold?: boolean;
}

export class UpdateServiceRequestDto {
  @ApiPropertyOptional({ enum: REQUEST_TYPES })
  @IsOptional()
  @IsIn(REQUEST_TYPES)
  type?: string;

  @ApiPropertyOptional({
    enum: SEVERITIES,
    description: 'Changing it moves the deadlines, counted from when the request was received',
  })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  subject?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  requiredSkill?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  region?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string | null;

  @ApiPropertyOptional({ description: 'The version you read; a stale one fails with 412 (or send If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class AssignServiceRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  assigneeId: string;
}

export class ResolveServiceRequestDto {
  @ApiProperty({ example: '更换滤芯后不再漏水' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  resolution: string;
}

export class ReopenServiceRequestDto {
  @ApiProperty({ example: '三天后又开始漏水' })
  @IsString()
  @MinLength(1)
  @MaxLength(2_000)
  reason: string;
}

export class SatisfactionDto {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  score: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  comment?: string;
}

export class ListServiceRequestsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  assignedTo?: string;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: string;
}

export class QueueQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;

  @ApiPropertyOptional({
    description: 'Only requests the caller is qualified for (skill and region), as `next` would see them',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  mine?: 'true' | 'false';
}

export class ServiceRequestDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'SR-0000042' }) number: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) purchaseId: string | null;
  @ApiProperty({ enum: REQUEST_CHANNELS }) channel: string;
  @ApiProperty({ enum: REQUEST_TYPES }) type: string;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiProperty() subject: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String }) requiredSkill: string | null;
  @ApiProperty({ nullable: true, type: String }) region: string | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String, description: "The customer's tier when the request was filed" }) tier:
    string | null;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ description: 'First-response deadline' }) respondBy: string;
  @ApiProperty({ description: 'Resolution deadline (moves on while waiting on the customer)' }) resolveBy: string;
  @ApiProperty() escalationLevel: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) assignedTo: string | null;
  @ApiProperty({ nullable: true, type: String }) assignedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) firstResponseAt: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) resolution: string | null;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty() reopenedCount: number;
  @ApiProperty({ nullable: true, type: String }) responseBreachedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) resolutionBreachedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) satisfactionScore: number | null;
  @ApiProperty({ nullable: true, type: String }) satisfactionComment: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class QueueEntryDto {
  @ApiProperty({ description: '1 is served next' }) position: number;
  @ApiProperty({
    description:
      'Head start for tier and severity plus business minutes waited; highest first (README: the priority rule)',
  })
  priority: number;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() number: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ nullable: true, type: String }) tier: string | null;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiProperty() subject: string;
  @ApiProperty({ nullable: true, type: String }) requiredSkill: string | null;
  @ApiProperty({ nullable: true, type: String }) region: string | null;
  @ApiProperty() receivedAt: string;
  @ApiProperty() respondBy: string;
  @ApiProperty() resolveBy: string;
  @ApiProperty() escalationLevel: number;
}

export class QueueDto {
  @ApiProperty({ type: [QueueEntryDto] }) data: QueueEntryDto[];
  @ApiProperty({ description: 'Requests queued in all (for `mine`: those the caller qualifies for)' }) total: number;
}

export class AssigneeSuggestionDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) region: string | null;
  @ApiProperty({ type: [String] }) skills: string[];
  @ApiProperty({ description: 'Requests assigned to them and not yet resolved' }) openRequests: number;
}
