import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  NotEquals,
} from 'class-validator';

export class LedgerEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: ['earn', 'redeem', 'adjust', 'reversal', 'expire'] }) kind: string;
  @ApiProperty({ description: 'Positive when earned, negative when spent or taken back' }) points: number;
  @ApiProperty() balanceAfter: number;
  @ApiProperty({ example: 'purchase' }) sourceType: string;
  @ApiProperty() sourceId: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) actorType: string | null;
  @ApiProperty({ nullable: true, type: String }) actorId: string | null;
  @ApiProperty() createdAt: string;
}

export class ExpiringPointsDto {
  @ApiProperty({ description: 'Points that expire by `until` unless spent first' }) points: number;
  @ApiProperty({ example: 30 }) withinDays: number;
  @ApiProperty({ example: '2026-12-31', description: 'Last day of the window (UTC)' }) until: string;
}

export class CustomerValueDto {
  @ApiProperty({ description: 'RFM score, 0–15' }) score: number;
  @ApiProperty({ example: '12800.00', description: 'Spending in the window, a decimal string' }) monetary: string;
  @ApiProperty({ description: 'Purchases in the window' }) frequency: number;
}

export class TierStepsDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1200.00',
    description: 'More spending that would reach the tier, a decimal string; null when spending alone cannot',
  })
  spend: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'More purchases that would reach it; null when not' })
  purchases: number | null;
}

export class NextTierDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Score points still missing' }) scoreGap: number;
  @ApiProperty({ type: () => TierStepsDto }) toReach: TierStepsDto;
}

export class LoyaltySummaryDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() balance: number;
  @ApiProperty({ description: 'Points earned per whole currency unit spent, before the tier multiplier' })
  pointsPerUnit: number;
  @ApiProperty({ type: () => ExpiringPointsDto, description: 'Points the daily expiry takes within the next days' })
  expiringSoon: ExpiringPointsDto;
  @ApiProperty({ nullable: true, type: String }) tier: string | null;
  @ApiProperty({ example: '1.50' }) earnMultiplier: string;
  @ApiProperty({ type: [String], description: 'Member benefits of the tier (R-L2)' }) benefits: string[];
  @ApiProperty({
    nullable: true,
    type: () => CustomerValueDto,
    description: 'Value from the last recalculation: RFM score (0–15), spending and purchases in the window',
  })
  value: CustomerValueDto | null;
  @ApiProperty({
    nullable: true,
    type: () => NextTierDto,
    description: 'The next tier up and what would reach it (R-V4)',
  })
  nextTier: NextTierDto | null;
}

export class RedeemRewardDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  rewardId: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  quantity?: number;
}

export class RedemptionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) rewardId: string;
  @ApiProperty() quantity: number;
  @ApiProperty() points: number;
  @ApiProperty() balanceAfter: number;
  @ApiProperty() createdAt: string;
}

export class AdjustPointsDto {
  @ApiProperty({ description: 'Points to add (positive) or remove (negative)', example: 200 })
  @IsInt()
  @NotEquals(0)
  @Min(-1_000_000)
  @Max(1_000_000)
  points: number;

  @ApiProperty({ example: '补偿：安装延误' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class CreateRewardDto {
  @ApiProperty({ example: '电影票两张' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ example: 500 })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  pointsCost: number;

  @ApiProperty({ example: 100 })
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  stock: number;
}

export class UpdateRewardDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(10_000_000) pointsCost?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(10_000_000) stock?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) version?: number;
}

export class RewardDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() pointsCost: number;
  @ApiProperty() stock: number;
  @ApiProperty() active: boolean;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
