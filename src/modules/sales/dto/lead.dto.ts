import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsCalendarDate } from '../../../common/validation/validators.js';
import { MoneyDto } from '../../../common/money/money.js';
import { LEAD_SOURCES, LEAD_STATUSES, SETTABLE_LEAD_STATUSES } from '../lead-lifecycle.js';
import { ASSIGNMENT_STRATEGIES } from '../lead-assignment.js';

export class CreateLeadDto {
  @ApiPropertyOptional({ enum: ['individual', 'organization'], default: 'individual' })
  @IsOptional()
  @IsIn(['individual', 'organization'])
  kind?: 'individual' | 'organization';

  @ApiProperty({ example: '王芳', description: 'The person (or the company, for an organisation)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ example: '杭州清源净水有限公司' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyName?: string;

  @ApiPropertyOptional({
    example: '138 1234 5678',
    description: 'Stored in E.164 (+8613812345678); invalid numbers are refused',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @ApiPropertyOptional({ example: 'wang.fang@example.com', description: 'Stored lower-case' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiProperty({ enum: LEAD_SOURCES })
  @IsIn(LEAD_SOURCES)
  source: string;

  @ApiPropertyOptional({ example: 'spring-expo-2026', description: 'Required when the source is `campaign`' })
  @ValidateIf((lead: CreateLeadDto) => lead.source === 'campaign' || lead.campaignId !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  campaignId?: string;

  @ApiPropertyOptional({ example: '浙江' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  region?: string;

  @ApiPropertyOptional({ example: '水处理' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  industry?: string;

  @ApiPropertyOptional({ example: '商用净水器 20 台' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  interest?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  notes?: string;
}

export class LeadCandidateDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ description: 'Open leads the salesperson had when the lead was assigned' }) openLeads: number;
  @ApiProperty({ description: 'Active and still a salesperson' }) eligible: boolean;
}

/** Why this salesperson: the rule, the loads it saw, the choice. */
export class LeadAssignmentDto {
  @ApiProperty({ format: 'uuid' }) ruleId: string;
  @ApiProperty() ruleName: string;
  @ApiProperty({ enum: ASSIGNMENT_STRATEGIES }) strategy: string;
  @ApiProperty({ type: [LeadCandidateDto] }) candidates: LeadCandidateDto[];
  @ApiProperty({ format: 'uuid' }) chosen: string;
  @ApiProperty({ example: 'fewest open leads: 2' }) reason: string;
}

export class LeadDuplicatesDto {
  @ApiProperty({ type: [String], description: 'Customers with the same phone or e-mail' }) customerIds: string[];
  @ApiProperty({ type: [String], description: 'Open leads with the same phone or e-mail' }) leadIds: string[];
}

export class LeadDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['individual', 'organization'] }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) companyName: string | null;
  @ApiProperty({ nullable: true, type: String, example: '+8613812345678' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ enum: LEAD_SOURCES }) source: string;
  @ApiProperty({ nullable: true, type: String }) campaignId: string | null;
  @ApiProperty({ nullable: true, type: String }) region: string | null;
  @ApiProperty({ nullable: true, type: String }) industry: string | null;
  @ApiProperty({ nullable: true, type: String }) interest: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ enum: LEAD_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) disqualifyReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) ownerId: string | null;
  @ApiProperty({ nullable: true, type: LeadAssignmentDto, description: 'Why this salesperson' })
  assignment: LeadAssignmentDto | null;
  @ApiProperty({ type: LeadDuplicatesDto, description: 'Flagged, never merged' }) duplicates: LeadDuplicatesDto;
  @ApiProperty({ description: 'Contact the lead by then' }) respondBy: string;
  @ApiProperty({ nullable: true, type: String }) contactedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) customerId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) opportunityId: string | null;
  @ApiProperty({ nullable: true, type: String }) convertedAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ListLeadsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: LEAD_STATUSES })
  @IsOptional()
  @IsIn(LEAD_STATUSES)
  status?: string;

  @ApiPropertyOptional({ enum: LEAD_SOURCES })
  @IsOptional()
  @IsIn(LEAD_SOURCES)
  source?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A salesperson sees only their own; a manager their team' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}

export class ChangeLeadStatusDto {
  @ApiProperty({ enum: SETTABLE_LEAD_STATUSES })
  @IsIn(SETTABLE_LEAD_STATUSES)
  status: (typeof SETTABLE_LEAD_STATUSES)[number];

  @ApiPropertyOptional({ example: '没有预算', description: 'Required to disqualify' })
  @ValidateIf((dto: ChangeLeadStatusDto) => dto.status === 'disqualified' || dto.reason !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason?: string;
}

export class ConversionOpportunityDto {
  @ApiPropertyOptional({ example: '清源净水 20 台商用机', description: 'Defaults to the lead’s interest or name' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiProperty({ type: MoneyDto })
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amount: MoneyDto;

  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to the default pipeline' })
  @IsOptional()
  @IsUUID()
  pipelineId?: string;

  @ApiPropertyOptional({ example: '2026-12-31' })
  @IsOptional()
  @IsCalendarDate()
  expectedCloseOn?: string;
}

export class ConvertLeadDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Link the lead to this existing customer instead of creating one (e.g. a flagged duplicate)',
  })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiProperty({ type: ConversionOpportunityDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ConversionOpportunityDto)
  opportunity: ConversionOpportunityDto;
}

export class ConversionDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) opportunityId: string;
  @ApiProperty({ description: 'Whether a new customer was created (false: linked to an existing one)' })
  customerCreated: boolean;
}
