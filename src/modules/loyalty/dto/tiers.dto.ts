import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberWithDecimals } from '../../../common/validation/validators.js';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
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

export class TierDefinitionDto {
  @ApiProperty({ example: 'VIP' })
  @IsString()
  @MinLength(1)
  @MaxLength(30)
  name: string;

  @ApiProperty({ description: '1 is the top tier' })
  @IsInt()
  @Min(1)
  @Max(20)
  rank: number;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Reached at this RFM score (0–15)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(15)
  minScore: number | null;

  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Or: the top share of scored customers, cumulative (0.05 = best 5%)',
  })
  @IsOptional()
  @IsNumberWithDecimals(4)
  @Min(0.0001)
  @Max(1)
  topShare: number | null;

  @ApiProperty({ description: 'The score in force, set by the last full recalculation for share tiers' })
  effectiveMinScore: number;

  @ApiProperty({ description: 'With the score: spending in the window that breaks ties at the edge of a share tier' })
  effectiveMinMonetary: string;

  @ApiProperty({ example: '1.50', description: 'Loyalty points multiplier' })
  @IsString()
  @Matches(/^\d{1,2}(\.\d{1,2})?$/)
  earnMultiplier: string;

  @ApiProperty({ type: [String], example: ['专属客服经理'] })
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  benefits: string[];
}

export class TierInputDto {
  @ApiProperty({ example: 'VIP' }) @IsString() @MinLength(1) @MaxLength(30) name: string;
  @ApiProperty() @IsInt() @Min(1) @Max(20) rank: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) @IsOptional() @IsInt() @Min(0) @Max(15) minScore?:
    number | null;
  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @IsNumberWithDecimals(4)
  @Min(0.0001)
  @Max(1)
  topShare?: number | null;
  @ApiProperty({ example: '1.50' })
  @IsString()
  @Matches(/^\d{1,2}(\.\d{1,2})?$/, { message: 'earnMultiplier must be a decimal string like 1.50' })
  earnMultiplier: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  benefits: string[];
}

export class ReplaceTiersDto {
  @ApiProperty({ type: [TierInputDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TierInputDto)
  tiers: TierInputDto[];
}

export class TierHistoryEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) oldTier: string | null;
  @ApiProperty() newTier: string;
  @ApiProperty() score: number;
  @ApiProperty() monetary: string;
  @ApiProperty() frequency: number;
  @ApiProperty({ example: 'purchase' }) cause: string;
  @ApiProperty() changedAt: string;
}

export class RecalculationJobDto {
  @ApiProperty() jobId: string;
  @ApiProperty({ enum: ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'unknown'] })
  state: string;
  @ApiProperty({ description: 'Share of customers processed, 0–100' }) progress: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) result?: Record<string, unknown>;
  @ApiPropertyOptional() failedReason?: string;
}

export class NextStepsDto {
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^\\d{1,12}\\.\\d{2}$',
    example: '499.50',
    description: 'Spending that reaches the next monetary band: a decimal string in the default currency, as all money',
  })
  spend: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Purchases that reach the next frequency band' })
  purchases: number | null;
}

export class UpsellCandidateDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() name: string;
  @ApiProperty() tier: string;
  @ApiProperty() score: number;
  @ApiProperty() monetary: string;
  @ApiProperty() nextTier: string;
  @ApiProperty({ description: 'Score points short of the next tier' }) scoreGap: number;
  @ApiProperty({ type: NextStepsDto }) toReach: NextStepsDto;
}

export class UpsellQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the calling salesperson' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
  @ApiPropertyOptional({ default: 2, description: 'Largest score gap to the next tier' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(15)
  maxScoreGap?: number;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
