import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MoneyDto } from '../../../common/money/money.js';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsCalendarDate, IsTimestamp } from '../../../common/validation/validators.js';
import { CONTACT_CHANNELS, INTERACTION_CHANNELS, PAYMENT_METHODS } from '../customer-fields.js';

/** 客户消费记录表: one purchase. */
export class CreatePurchaseDto {
  @ApiPropertyOptional({ example: '2026-11-24T08:00:00.000Z', description: 'Defaults to now; not in the future' })
  @IsOptional()
  @IsTimestamp()
  purchasedAt?: string;

  @ApiProperty({ example: '家用净水器 X3' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  product: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity?: number;

  @ApiProperty({ type: MoneyDto })
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount: MoneyDto;

  @ApiProperty({ enum: PAYMENT_METHODS })
  @IsIn(PAYMENT_METHODS)
  paymentMethod: string;

  @ApiPropertyOptional({ example: 'store', description: 'Where it was bought: store, online shop, partner…' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  channel?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

export class PurchaseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() purchasedAt: string;
  @ApiProperty() product: string;
  @ApiProperty() quantity: number;
  @ApiProperty({ type: MoneyDto }) amount: MoneyDto;
  @ApiProperty({ enum: PAYMENT_METHODS }) paymentMethod: string;
  @ApiProperty({ nullable: true, type: String }) channel: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ nullable: true, type: String }) refundedAt: string | null;
  @ApiProperty() createdAt: string;
}

export class CommitmentDto {
  @ApiProperty({ example: '三天内上门安装' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  description: string;

  @ApiPropertyOptional({ example: '2026-11-27' })
  @IsOptional()
  @IsCalendarDate()
  dueOn?: string;

  @ApiPropertyOptional({ enum: ['open', 'kept', 'broken'], default: 'open' })
  @IsOptional()
  @IsIn(['open', 'kept', 'broken'])
  status?: 'open' | 'kept' | 'broken';

  @ApiPropertyOptional({ description: 'When it was marked kept or broken (read-only)', readOnly: true })
  settledAt?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Who marked it (a user id; read-only)',
    readOnly: true,
  })
  settledBy?: string | null;
}

export class SettleCommitmentDto {
  @ApiProperty({ enum: ['open', 'kept', 'broken'] })
  @IsIn(['open', 'kept', 'broken'])
  status: 'open' | 'kept' | 'broken';
}

export class CreateInteractionDto {
  @ApiProperty({ enum: INTERACTION_CHANNELS })
  @IsIn(INTERACTION_CHANNELS)
  channel: string;

  @ApiProperty({ enum: ['inbound', 'outbound'] })
  @IsIn(['inbound', 'outbound'])
  direction: 'inbound' | 'outbound';

  @ApiPropertyOptional({ description: 'Defaults to now' })
  @IsOptional()
  @IsTimestamp()
  occurredAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  subject?: string;

  @ApiProperty({ example: '客户咨询净水器滤芯更换' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  summary: string;

  @ApiPropertyOptional({ type: [CommitmentDto], description: 'What was promised to the customer' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CommitmentDto)
  commitments?: CommitmentDto[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The staff member who talked to the customer; defaults to the caller',
  })
  @IsOptional()
  @IsUUID()
  staffId?: string;
}

export class InteractionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: INTERACTION_CHANNELS }) channel: string;
  @ApiProperty() direction: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ nullable: true, type: String }) staffId: string | null;
  @ApiProperty({ nullable: true, type: String }) subject: string | null;
  @ApiProperty() summary: string;
  @ApiProperty({ type: [CommitmentDto] }) commitments: CommitmentDto[];
  @ApiProperty() createdAt: string;
}

export class ConsentDto {
  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel: string;

  @ApiProperty()
  @IsBoolean()
  optedIn: boolean;
}

export class UpdateConsentsDto {
  @ApiPropertyOptional({ type: [ConsentDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CONTACT_CHANNELS.length)
  @ValidateNested({ each: true })
  @Type(() => ConsentDto)
  channels?: ConsentDto[];

  @ApiPropertyOptional({ description: 'true: no promotional messages on any channel' })
  @IsOptional()
  @IsBoolean()
  marketingOptOut?: boolean;

  @ApiPropertyOptional({ example: 'phone call 2026-11-24', description: 'How the customer gave or withdrew consent' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;
}

export class ConsentStateDto {
  @ApiProperty() channel: string;
  @ApiProperty() optedIn: boolean;
  @ApiProperty({ nullable: true, type: String }) source: string | null;
  @ApiProperty() updatedAt: string;
}

export class ConsentsDto {
  @ApiProperty({ type: [ConsentStateDto] }) channels: ConsentStateDto[];
  @ApiProperty() marketingOptOut: boolean;
}

export const TIMELINE_KINDS = [
  'purchase',
  'refund',
  'interaction',
  'consent',
  'profile',
  'service_request',
  'complaint',
  'improvement_action',
  'message',
  'visit',
];

export class TimelineEntryDto {
  @ApiProperty({ enum: TIMELINE_KINDS }) kind: string;
  @ApiProperty() id: string;
  @ApiProperty() at: string;
  @ApiProperty() summary: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class TimelineQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TIMELINE_KINDS })
  @IsOptional()
  @IsIn(TIMELINE_KINDS)
  kind?: string;
}
