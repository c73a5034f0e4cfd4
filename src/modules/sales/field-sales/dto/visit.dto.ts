import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsCalendarDate } from '../../../../common/validation/validators.js';
import { RELATED_TYPES } from './work-plan.dto.js';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class CheckInDto {
  @ApiProperty({ example: 28.8885 })
  @IsLatitude()
  lat: number;

  @ApiProperty({ example: 120.0474 })
  @IsLongitude()
  lng: number;
}

export class CheckOutDto extends CheckInDto {
  @ApiProperty({ example: '更换了滤芯，客户满意' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  @Matches(/\S/, { message: 'notes must not be blank' })
  notes: string;

  @ApiPropertyOptional({ example: '下周报价 20 台' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  nextStep?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'An opportunity whose stage the visit moved' })
  @IsOptional()
  @IsUUID()
  opportunityId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The stage it moves to (with opportunityId)' })
  @IsOptional()
  @IsUUID()
  stageId?: string;
}

export class UnplannedVisitDto extends CheckInDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiPropertyOptional({ example: '浙江省金华市' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  placeAddress?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  purpose?: string;
}

export class SkipVisitDto {
  @ApiProperty({ example: '客户临时外出' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}

export class NearbyQuery {
  @ApiPropertyOptional({ example: 28.8885, description: 'With lng; or give customerId' })
  @IsOptional()
  @Type(() => Number)
  @IsLatitude()
  lat?: number;

  @ApiPropertyOptional({ example: 120.0474 })
  @IsOptional()
  @Type(() => Number)
  @IsLongitude()
  lng?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Near this customer’s last known visit place' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiProperty({ example: '2026-12-08' })
  @IsCalendarDate()
  date: string;

  @ApiPropertyOptional({ default: 30, minimum: 0.1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ maxDecimalPlaces: 3 })
  @Min(0.1)
  @Max(500)
  radiusKm = 30;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 20;
}

export class TripQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  salespersonId: string;

  @ApiProperty({ example: '2026-12-08' })
  @IsCalendarDate()
  date: string;
}

export class DispatchDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  salespersonId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiProperty({ example: '2026-12-08' })
  @IsCalendarDate()
  date: string;

  @ApiProperty({ example: '处理缺陷投诉' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @Matches(/\S/, { message: 'purpose must not be blank' })
  purpose: string;

  @ApiPropertyOptional({ enum: RELATED_TYPES })
  @IsOptional()
  @IsIn(RELATED_TYPES)
  relatedType?: (typeof RELATED_TYPES)[number];

  @ApiPropertyOptional({ format: 'uuid', description: 'The complaint, service request or opportunity behind it' })
  @IsOptional()
  @IsUUID()
  relatedId?: string;

  @ApiPropertyOptional({ description: 'Default: the customer’s last known visit place' })
  @IsOptional()
  @IsLatitude()
  lat?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsLongitude()
  lng?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  placeAddress?: string;

  @ApiPropertyOptional({ example: '14:00' })
  @IsOptional()
  @Matches(HH_MM, { message: 'startsAt must be HH:MM' })
  startsAt?: string;

  @ApiPropertyOptional({ example: '15:00' })
  @IsOptional()
  @Matches(HH_MM, { message: 'endsAt must be HH:MM' })
  endsAt?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'Place in the day’s order (0 first); default last' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  position?: number;
}

export class VisitsReportQuery {
  @ApiProperty({ example: '2026-12-01' })
  @IsCalendarDate()
  from: string;

  @ApiProperty({ example: '2026-12-31', description: 'Inclusive; at most 366 days after from' })
  @IsCalendarDate()
  to: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}
