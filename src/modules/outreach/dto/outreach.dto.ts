import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
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
import { GATE_REASONS, MESSAGE_CHANNELS, PURPOSES } from '../contact-gate.js';
import { MESSAGE_STATUSES } from '../outreach-messages.repository.js';
import { RULE_TRIGGERS } from '../outreach-rules.repository.js';

export class CreateRuleDto {
  @ApiProperty({ example: '生日祝福' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: RULE_TRIGGERS })
  @IsIn(RULE_TRIGGERS)
  trigger: string;

  @ApiProperty({
    enum: PURPOSES,
    description: 'marketing needs opt-in and no marketing opt-out, and waits while the customer has an open problem',
  })
  @IsIn(PURPOSES)
  purpose: string;

  @ApiProperty({
    enum: MESSAGE_CHANNELS,
    isArray: true,
    description: 'Preference order: the first the customer consented to and has an address for',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_CHANNELS.length)
  @ArrayUnique()
  @IsIn(MESSAGE_CHANNELS, { each: true })
  channels: string[];

  @ApiPropertyOptional({
    default: 0,
    description: 'Days after the trigger (purchase, resolution); for dormant: days without a purchase',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  delayDays?: number;

  @ApiPropertyOptional({ description: 'VIP care calls: one every this many days' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  everyDays?: number;

  @ApiPropertyOptional({ example: '{{ salutation }}，生日快乐', description: 'Liquid template (e-mail subject)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;

  @ApiProperty({
    example: '{{ salutation }}，祝您生日快乐！您的积分：{{ points }}',
    description: 'Liquid template: salutation, name, tier, points',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  body: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateRuleDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;

  @ApiPropertyOptional({ enum: PURPOSES }) @IsOptional() @IsIn(PURPOSES) purpose?: string;

  @ApiPropertyOptional({ enum: MESSAGE_CHANNELS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_CHANNELS.length)
  @ArrayUnique()
  @IsIn(MESSAGE_CHANNELS, { each: true })
  channels?: string[];

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(3650) delayDays?: number;

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(3650) everyDays?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) subject?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(10_000) body?: string;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;

  @ApiPropertyOptional({ description: 'The version you saw (or If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class RuleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: RULE_TRIGGERS }) trigger: string;
  @ApiProperty({ enum: PURPOSES }) purpose: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS, isArray: true }) channels: string[];
  @ApiProperty() delayDays: number;
  @ApiProperty({ nullable: true, type: Number }) everyDays: number | null;
  @ApiProperty() subject: string;
  @ApiProperty() body: string;
  @ApiProperty() active: boolean;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class PreviewDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiProperty({ format: 'uuid', description: 'The rule whose message to preview' })
  @IsUUID()
  ruleId: string;
}

export class PreviewResultDto {
  @ApiProperty({ enum: ['send', 'defer', 'suppress'] }) decision: string;
  @ApiProperty({ enum: GATE_REASONS, nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: MESSAGE_CHANNELS, nullable: true, type: String }) channel: string | null;
  @ApiProperty({ description: 'When it would be sent (quiet hours defer it)' }) sendAt: string;
  @ApiProperty() subject: string;
  @ApiProperty() body: string;
}

export class MessageStatusChangeDto {
  @ApiProperty({ enum: MESSAGE_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) detail: string | null;
  @ApiProperty() occurredAt: string;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ruleId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) campaignId: string | null;
  @ApiProperty({ enum: PURPOSES }) purpose: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS, nullable: true, type: String }) channel: string | null;
  @ApiProperty({ enum: ['send', 'defer', 'suppress'] }) decision: string;
  @ApiProperty({ enum: GATE_REASONS, nullable: true, type: String, description: 'Why suppressed or deferred' })
  reason: string | null;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status: string;
  @ApiProperty() subject: string;
  @ApiProperty({ description: 'The text as sent (empty until it is sent)' }) body: string;
  @ApiProperty() sendAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) taskId: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ type: [MessageStatusChangeDto], description: 'On GET /outreach/messages/{id}' })
  history?: MessageStatusChangeDto[];
}

export class ListMessagesQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() customerId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() ruleId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() campaignId?: string;
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES }) @IsOptional() @IsIn(MESSAGE_STATUSES) status?: string;
}

export const REPORTED_STATUSES = ['delivered', 'failed', 'opened', 'clicked', 'responded'] as const;

export class DeliveryReportDto {
  @ApiProperty({ enum: REPORTED_STATUSES })
  @IsIn(REPORTED_STATUSES)
  status: string;

  @ApiProperty({
    example: 'rpt-123',
    description: "The provider's id for this report: the same report posted twice changes nothing",
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  reportId: string;

  @ApiPropertyOptional({ example: 'handset unreachable' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  detail?: string;
}

export class ListRunsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() ruleId?: string;
}

export class RunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) ruleId: string;
  @ApiProperty({ example: '2026-12-01' }) day: string;
  @ApiProperty() startedAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty() matched: number;
  @ApiProperty({ description: 'Messages created (suppressed ones included)' }) created: number;
  @ApiProperty({ type: [String] }) errors: string[];
}

export class RunScanDto {
  @ApiPropertyOptional({
    example: '2026-12-01',
    description: 'The day to scan for (default: today in OUTREACH_TIME_ZONE)',
  })
  @IsOptional()
  @IsCalendarDate()
  day?: string;
}
