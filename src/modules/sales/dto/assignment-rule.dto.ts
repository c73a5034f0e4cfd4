import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
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
} from 'class-validator';
import { ASSIGNMENT_STRATEGIES } from '../lead-assignment.js';
import { LEAD_SOURCES } from '../lead-lifecycle.js';
import { CreateLeadDto, LeadAssignmentDto } from './lead.dto.js';

export class CreateAssignmentRuleDto {
  @ApiProperty({ example: '浙江水处理' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ description: 'Rules are tried in ascending position; defaults to after the last' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  position?: number;

  @ApiPropertyOptional({ type: [String], example: ['浙江'], description: 'Empty or absent: any region' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  regions?: string[];

  @ApiPropertyOptional({ type: [String], example: ['水处理'], description: 'Empty or absent: any industry' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  industries?: string[];

  @ApiPropertyOptional({ enum: LEAD_SOURCES, isArray: true, description: 'Empty or absent: any source' })
  @IsOptional()
  @ArrayUnique()
  @IsIn(LEAD_SOURCES, { each: true })
  sources?: string[];

  @ApiProperty({ enum: ASSIGNMENT_STRATEGIES })
  @IsIn(ASSIGNMENT_STRATEGIES)
  strategy: (typeof ASSIGNMENT_STRATEGIES)[number];

  @ApiProperty({ type: [String], description: 'The salespeople (user ids) the rule spreads leads over, in turn order' })
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  salespeople: string[];

  @ApiPropertyOptional({
    default: false,
    description: 'The rule that catches every lead no other rule matches (one at most)',
  })
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;
}

export class UpdateAssignmentRuleDto extends PartialType(CreateAssignmentRuleDto) {}

export class AssignmentRuleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() position: number;
  @ApiProperty({ type: [String] }) regions: string[];
  @ApiProperty({ type: [String] }) industries: string[];
  @ApiProperty({ type: [String] }) sources: string[];
  @ApiProperty({ enum: ASSIGNMENT_STRATEGIES }) strategy: string;
  @ApiProperty({ type: [String] }) salespeople: string[];
  @ApiProperty() isDefault: boolean;
  @ApiProperty({ description: 'Round robin: index of the next salesperson in turn' }) nextIndex: number;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class SimulateAssignmentDto extends PickType(CreateLeadDto, ['source', 'region', 'industry'] as const) {}

export class SimulationDto {
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'Who would get the lead now; null: nobody',
  })
  ownerId: string | null;
  @ApiProperty({ nullable: true, type: LeadAssignmentDto }) assignment: LeadAssignmentDto | null;
}
