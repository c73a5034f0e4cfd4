import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumberString,
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

const CONSENT_CHANNELS = ['email', 'sms', 'phone', 'social', 'chat', 'mail'];

export class RangeDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100_000_000) min?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(100_000_000) max?: number;
}

export class WindowedCountDto extends RangeDto {
  @ApiPropertyOptional({ description: 'Within the last N days (all time without it)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  withinDays?: number;
}

export class SpendDto {
  @ApiPropertyOptional({ example: '1000.00' })
  @IsOptional()
  @IsNumberString({ no_symbols: false })
  @MaxLength(20)
  min?: string;
  @ApiPropertyOptional({ example: '50000.00' })
  @IsOptional()
  @IsNumberString({ no_symbols: false })
  @MaxLength(20)
  max?: string;
  @ApiPropertyOptional({ description: 'Within the last N days (all time without it)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  withinDays?: number;
}

function list(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMaxSize(100)(target, key);
    IsString({ each: true })(target, key);
    MaxLength(100, { each: true })(target, key);
  };
}

export class SegmentFilterDto {
  @ApiPropertyOptional({ type: [String], example: ['VIP'] }) @list() tiers?: string[];
  @ApiPropertyOptional({ type: [String], example: ['华东'] }) @list() regions?: string[];
  @ApiPropertyOptional({ type: [String] }) @list() industries?: string[];
  @ApiPropertyOptional({ type: [String] }) @list() lifecycleStages?: string[];
  @ApiPropertyOptional({ type: [String], enum: ['individual', 'organization'] }) @list() kinds?: string[];
  @ApiPropertyOptional({ type: [String], enum: ['高', '中', '低'] }) @list() levels?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  ownerIds?: string[];

  @ApiPropertyOptional({ type: SpendDto }) @IsOptional() @ValidateNested() @Type(() => SpendDto) spend?: SpendDto;

  @ApiPropertyOptional({ type: WindowedCountDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WindowedCountDto)
  purchaseCount?: WindowedCountDto;

  @ApiPropertyOptional({
    type: RangeDto,
    description: 'Customers who have purchased, by days since the latest purchase',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RangeDto)
  daysSinceLastPurchase?: RangeDto;

  @ApiPropertyOptional({ example: '净水器' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  purchasedProduct?: string;

  @ApiPropertyOptional({ enum: CONSENT_CHANNELS, description: 'Opted in on this channel' })
  @IsOptional()
  @IsIn(CONSENT_CHANNELS)
  consentChannel?: string;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() marketingOptOut?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { vipClub: true } })
  @IsOptional()
  @IsObject()
  customFields?: Record<string, string | number | boolean>;
}

export class CreateSegmentDto {
  @ApiProperty({ example: '华东高价值客户' }) @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiProperty({ type: SegmentFilterDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SegmentFilterDto)
  filter: SegmentFilterDto;
}

export class UpdateSegmentDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ type: SegmentFilterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SegmentFilterDto)
  filter?: SegmentFilterDto;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) version?: number;
}

export class SegmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: SegmentFilterDto }) filter: SegmentFilterDto;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class SegmentCountDto {
  @ApiProperty({ description: 'Customers in the segment now' }) count: number;
}
