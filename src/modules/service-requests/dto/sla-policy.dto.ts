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
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SEVERITIES } from '../service-priority.js';

export class SlaPolicyDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The tier it applies to; null for customers of any other tier or none',
  })
  tier: string | null;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiProperty({ description: 'Business minutes from receipt to first response' }) firstResponseMinutes: number;
  @ApiProperty({ description: 'Business minutes from receipt to resolution (time waiting on the customer excluded)' })
  resolutionMinutes: number;
  @ApiProperty({ description: 'Warn when this share of the time is used' }) warningPercent: number;
}

export class SlaPolicyInput {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'VIP' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  tier?: string | null;

  @ApiProperty({ enum: SEVERITIES })
  @IsIn(SEVERITIES)
  severity: string;

  @ApiProperty({ minimum: 1, maximum: 43_200 })
  @IsInt()
  @Min(1)
  @Max(43_200)
  firstResponseMinutes: number;

  @ApiProperty({ minimum: 1, maximum: 259_200 })
  @IsInt()
  @Min(1)
  @Max(259_200)
  resolutionMinutes: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 99, default: 80 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(99)
  warningPercent?: number;
}

export class ReplaceSlaPoliciesDto {
  @ApiProperty({
    type: [SlaPolicyInput],
    description: 'The whole set; it must cover every severity for customers of no listed tier (tier null)',
  })
  @IsArray()
  @ArrayMinSize(4)
  @ArrayMaxSize(400)
  @ValidateNested({ each: true })
  @Type(() => SlaPolicyInput)
  policies: SlaPolicyInput[];
}

export class SlaPoliciesDto {
  @ApiProperty({ type: [SlaPolicyDto] }) data: SlaPolicyDto[];
  @ApiProperty({ description: 'Send it back as If-Match to replace the set safely' }) version: number;
  @ApiProperty({
    example: 'Mon-Fri 09:00-18:00',
    description: 'Business hours the clocks run in (empty: around the clock); set by SERVICE_BUSINESS_HOURS',
  })
  businessHours: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone: string;
}
