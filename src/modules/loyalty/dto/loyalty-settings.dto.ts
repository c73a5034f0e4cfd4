import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

// The same bounds as the LOYALTY_* variables that seed the settings and the table's CHECK constraints.
export class UpdateLoyaltySettingsDto {
  @ApiProperty({
    example: 1,
    description: 'Points earned per whole currency unit spent, before the tier multiplier; 0 stops earning',
  })
  @IsInt()
  @Min(0)
  @Max(1_000)
  pointsPerUnit: number;

  @ApiProperty({ example: 24, description: 'Points expire this many months after they were credited, oldest first' })
  @IsInt()
  @Min(1)
  @Max(240)
  pointsExpireMonths: number;

  @ApiProperty({
    example: 100,
    description: "Points given once a year on the customer's birthday; 0 turns the reward off",
  })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  birthdayPoints: number;

  @ApiPropertyOptional({ description: 'The version you read; a stale one fails with 412 (or send If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class TierMultiplierDto {
  @ApiProperty({ example: 'VIP' }) tier: string;
  @ApiProperty({ example: '1.50' }) earnMultiplier: string;
}

export class LoyaltySettingsDto {
  @ApiProperty({ example: 1 }) pointsPerUnit: number;
  @ApiProperty({ example: 24 }) pointsExpireMonths: number;
  @ApiProperty({ example: 100 }) birthdayPoints: number;
  @ApiProperty() version: number;
  @ApiProperty() updatedAt: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Who changed the settings last; null while they are the initial defaults',
  })
  updatedBy: string | null;
  @ApiProperty({
    type: [TierMultiplierDto],
    description: 'Read-only here: the multipliers belong to the tier definitions, changed with PUT /admin/tiers',
  })
  tierMultipliers: TierMultiplierDto[];
}
