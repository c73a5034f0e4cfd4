import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsTimestamp } from '../../../common/validation/validators.js';
import { COMPLAINT_SEVERITIES } from '../complaint-clock.js';
import { COMPLAINT_STATUSES } from '../complaint-lifecycle.js';

export const COMPLAINT_CHANNELS = [
  'hotline',
  'feedback_platform',
  'email',
  'social_media',
  'in_person',
  'web',
  'api',
] as const;

const CODE = /^[a-z][a-z0-9_]*$/;

export class CreateComplaintDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiPropertyOptional({
    enum: COMPLAINT_CHANNELS,
    description: 'Defaults to `api` for API keys and `hotline` for staff',
  })
  @IsOptional()
  @IsIn(COMPLAINT_CHANNELS)
  channel?: string;

  @ApiProperty({ example: 'product_quality', description: 'A category code of GET /admin/complaint-categories' })
  @IsString()
  @Matches(CODE)
  @MaxLength(64)
  category: string;

  @ApiProperty({ enum: COMPLAINT_SEVERITIES })
  @IsIn(COMPLAINT_SEVERITIES)
  severity: string;

  @ApiProperty({ example: '净水器使用一周后出水有异味' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  subject: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The purchase it concerns; must be the customer's" })
  @IsOptional()
  @IsUUID()
  purchaseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The service request it concerns; must be the customer's" })
  @IsOptional()
  @IsUUID()
  serviceRequestId?: string;

  @ApiPropertyOptional({
    example: '家用净水器 X3',
    description: 'The product; taken from the purchase when one is named',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  product?: string;

  @ApiPropertyOptional({ description: 'When the customer complained, if earlier than now; at most 7 days ago' })
  @IsOptional()
  @IsTimestamp()
  receivedAt?: string;
}

export class AssignComplaintDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  assigneeId: string;
}

export class ResolveComplaintDto {
  @ApiProperty({ example: 'product_design.heat_dissipation', description: 'A root cause code of the second level' })
  @IsString()
  @MaxLength(100)
  rootCause: string;

  @ApiProperty({ example: '更换散热模组，并回访确认不再过热' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  resolution: string;

  @ApiPropertyOptional({ type: [String], maxItems: 5, description: 'The 5 whys, in order' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(2_000, { each: true })
  fiveWhys?: string[];
}

export class ReasonDto {
  @ApiProperty({ example: '客户反映问题依旧' })
  @IsString()
  @MinLength(1)
  @MaxLength(2_000)
  reason: string;
}

export class ComplaintSatisfactionDto {
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

export class ListComplaintsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: COMPLAINT_STATUSES })
  @IsOptional()
  @IsIn(COMPLAINT_STATUSES)
  status?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  assignedTo?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(CODE)
  category?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rootCause?: string;
}

export class ComplaintDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'CP-0000042' }) number: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: COMPLAINT_CHANNELS }) channel: string;
  @ApiProperty() category: string;
  @ApiProperty({ enum: COMPLAINT_SEVERITIES }) severity: string;
  @ApiProperty() subject: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) purchaseId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) serviceRequestId: string | null;
  @ApiProperty({ nullable: true, type: String }) product: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The customer's region at intake" }) region: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The customer's tier at intake" }) tier: string | null;
  @ApiProperty({ enum: COMPLAINT_STATUSES }) status: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ description: 'Acknowledgement deadline (business hours)' }) acknowledgeBy: string;
  @ApiProperty({ description: 'Resolution deadline (moves on while waiting on the customer)' }) resolveBy: string;
  @ApiProperty({ nullable: true, type: String }) acknowledgedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) assignedTo: string | null;
  @ApiProperty({ description: '0: not escalated; 1: the assignee’s manager; 2 and up: the complaints director' })
  escalationLevel: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) escalatedTo: string | null;
  @ApiProperty({ nullable: true, type: String }) rootCause: string | null;
  @ApiProperty({ type: [String] }) fiveWhys: string[];
  @ApiProperty({ nullable: true, type: String }) resolution: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty() reopenedCount: number;
  @ApiProperty({ nullable: true, type: String }) acknowledgeBreachedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) resolutionBreachedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) satisfactionScore: number | null;
  @ApiProperty({ nullable: true, type: String }) satisfactionComment: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ComplaintPageDto {
  @ApiProperty({ type: [ComplaintDto] }) data: ComplaintDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
