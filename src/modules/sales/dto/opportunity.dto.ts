import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsObject,
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
import { MoneyDto } from '../../../common/money/money.js';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsCalendarDate } from '../../../common/validation/validators.js';

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;

export class CreateOpportunityDto {
  @ApiProperty({ example: '清源净水 20 台商用机' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the caller (a salesperson) ' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the default pipeline' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the pipeline’s first stage' })
  @IsOptional()
  @IsUUID()
  stageId?: string;

  @ApiProperty({ type: MoneyDto, description: 'In the price list’s currency' })
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount: MoneyDto;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'Defaults to the stage’s probability' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  probability?: number;

  @ApiPropertyOptional({ example: '2026-12-31' })
  @IsOptional()
  @IsCalendarDate()
  expectedCloseOn?: string;

  @ApiPropertyOptional({ type: [String], example: ['RO-200'], description: 'Product codes of interest' })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  products?: string[];
}

export class UpdateOpportunityDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount?: MoneyDto;

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  probability?: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsCalendarDate()
  expectedCloseOn?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  products?: string[];

  @ApiPropertyOptional({ description: 'The version you read (or send If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class MoveStageDto {
  @ApiProperty({ format: 'uuid', description: 'A stage of the opportunity’s pipeline' })
  @IsUUID()
  stageId: string;

  @ApiPropertyOptional({
    description: 'Keep this probability instead of the stage’s default',
    minimum: 0,
    maximum: 100,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  probability?: number;
}

export class CloseOpportunityDto {
  @ApiPropertyOptional({ example: '预算被砍', description: 'Required when lost' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason?: string;
}

export class StageEntryDto {
  @ApiProperty({ format: 'uuid' }) stageId: string;
  @ApiProperty() stageName: string;
  @ApiProperty() enteredAt: string;
  @ApiProperty({ nullable: true, type: String }) leftAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) changedBy: string | null;
}

export class OpportunityDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) leadId: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ format: 'uuid' }) pipelineId: string;
  @ApiProperty({ format: 'uuid' }) stageId: string;
  @ApiProperty({ type: MoneyDto }) amount: MoneyDto;
  @ApiProperty() probability: number;
  @ApiProperty({ nullable: true, type: String }) expectedCloseOn: string | null;
  @ApiProperty({ type: [String] }) products: string[];
  @ApiProperty({ enum: OPPORTUNITY_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) closeReason: string | null;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class OpportunityWithHistoryDto extends OpportunityDto {
  @ApiProperty({ type: [StageEntryDto], description: 'Every stage it entered, oldest first' })
  stageHistory: StageEntryDto[];
}

export class ListOpportunitiesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: OPPORTUNITY_STATUSES })
  @IsOptional()
  @IsIn(OPPORTUNITY_STATUSES)
  status?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;
}

export class PipelineStageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() position: number;
  @ApiProperty() name: string;
  @ApiProperty() probability: number;
}

export class PipelineDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() isDefault: boolean;
  @ApiProperty({ type: [PipelineStageDto] }) stages: PipelineStageDto[];
}

export class NewStageDto {
  @ApiProperty({ example: '方案报价' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ minimum: 0, maximum: 100 })
  @IsInt()
  @Min(0)
  @Max(100)
  probability: number;
}

export class CreatePipelineDto {
  @ApiProperty({ example: '工程项目' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ type: [NewStageDto], description: 'In order' })
  @ValidateNested({ each: true })
  @Type(() => NewStageDto)
  @ArrayMaxSize(30)
  stages: NewStageDto[];
}
