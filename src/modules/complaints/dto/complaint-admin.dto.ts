import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { COMPLAINT_SEVERITIES } from '../complaint-clock.js';

export class ComplaintCategoryDto {
  @ApiProperty({ example: 'product_quality' }) code: string;
  @ApiProperty({ example: '产品质量' }) label: string;
  @ApiProperty({ description: 'Retired categories stay on old complaints but take no new ones' }) active: boolean;
  @ApiProperty() version: number;
}

export class ComplaintCategoryListDto {
  @ApiProperty({ type: [ComplaintCategoryDto] }) data: ComplaintCategoryDto[];
}

export class RootCauseDto {
  @ApiProperty({ example: 'product_design.heat_dissipation' }) code: string;
  @ApiProperty({ nullable: true, type: String, example: 'product_design', description: 'null for a group' })
  parentCode: string | null;
  @ApiProperty({ example: '散热不足' }) label: string;
  @ApiProperty() active: boolean;
  @ApiProperty() version: number;
}

export class RootCauseListDto {
  @ApiProperty({ type: [RootCauseDto], description: 'Groups, each followed by its causes' }) data: RootCauseDto[];
}

export class CreateComplaintCategoryDto {
  @ApiProperty({ example: 'packaging' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*$/)
  @MaxLength(64)
  code: string;

  @ApiProperty({ example: '包装破损' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label: string;
}

export class CreateRootCauseDto {
  @ApiProperty({ example: 'product_design.noise', description: 'A cause is named `<group>.<cause>`' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/)
  @MaxLength(100)
  code: string;

  @ApiProperty({ example: '噪音过大' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label: string;

  @ApiPropertyOptional({ example: 'product_design', description: 'The group; absent for a group itself' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  parentCode?: string;
}

export class UpdateTaxonomyEntryDto {
  @ApiPropertyOptional({ example: '产品质量问题' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ComplaintTargetDto {
  @ApiProperty({ nullable: true, type: String, description: 'The tier it applies to; null for any other tier' })
  tier: string | null;
  @ApiProperty({ enum: COMPLAINT_SEVERITIES }) severity: string;
  @ApiProperty({ description: 'Business minutes from receipt to acknowledgement' }) acknowledgeMinutes: number;
  @ApiProperty({ description: 'Business minutes from receipt to resolution (waiting on the customer excluded)' })
  resolveMinutes: number;
}

export class ComplaintTargetInput {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'VIP' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  tier?: string | null;

  @ApiProperty({ enum: COMPLAINT_SEVERITIES })
  @IsIn(COMPLAINT_SEVERITIES)
  severity: string;

  @ApiProperty({ minimum: 1, maximum: 43_200 })
  @IsInt()
  @Min(1)
  @Max(43_200)
  acknowledgeMinutes: number;

  @ApiProperty({ minimum: 1, maximum: 259_200 })
  @IsInt()
  @Min(1)
  @Max(259_200)
  resolveMinutes: number;
}

export class ReplaceComplaintTargetsDto {
  @ApiProperty({
    type: [ComplaintTargetInput],
    description: 'The whole set; every severity needs a target for tier null',
  })
  @IsArray()
  @ArrayMinSize(4)
  @ArrayMaxSize(400)
  @ValidateNested({ each: true })
  @Type(() => ComplaintTargetInput)
  targets: ComplaintTargetInput[];
}

export class ComplaintTargetsDto {
  @ApiProperty({ type: [ComplaintTargetDto] }) data: ComplaintTargetDto[];
  @ApiProperty({ description: 'Send it back as If-Match to replace the set safely' }) version: number;
  @ApiProperty({
    example: 'Mon-Fri 09:00-18:00',
    description: 'Business hours the clocks run in (SERVICE_BUSINESS_HOURS)',
  })
  businessHours: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone: string;
}

export class ComplaintSettingsDto {
  @ApiProperty({ description: 'Warn when this share of a target is used (percent)' }) warningPercent: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The complaints director: the top of the escalation chain (null: the managers’ pool)',
  })
  directorId: string | null;
  @ApiProperty() version: number;
}

export class UpdateComplaintSettingsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 99 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(99)
  warningPercent?: number;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID()
  directorId?: string | null;
}
