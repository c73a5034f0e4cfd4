import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsPastDate } from '../../../common/validation/validators.js';
import { CUSTOMER_LEVELS, EDUCATION_LEVELS, LIFECYCLE_STAGES, RELATIONSHIP_TYPES } from '../customer-fields.js';

/** 客户人生旅途表: the customer's life journey. */
export class LifeJourneyDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) shortTermGoals?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) longTermGoals?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) proudestAchievement?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) mainConcern?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) mostUrgentProblem?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) notes?: string;
}

const text = (max = 200) => [IsOptional(), IsString(), MaxLength(max)];
function Text(max = 200): PropertyDecorator {
  return (target, key) => text(max).forEach((decorate) => decorate(target, key));
}

/** The 客户基本资料表 profile. Every field but kind and name is optional. */
export class CreateCustomerDto {
  @ApiProperty({ enum: ['individual', 'organization'] })
  @IsIn(['individual', 'organization'])
  kind: 'individual' | 'organization';

  @ApiProperty({ example: '张伟', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ enum: ['male', 'female', 'other'] })
  @IsOptional()
  @IsIn(['male', 'female', 'other'])
  gender?: 'male' | 'female' | 'other';

  @ApiPropertyOptional({ example: '1985-06-15', description: 'Sensitive. The zodiac is derived from it.' })
  @IsOptional()
  @IsPastDate()
  birthDate?: string;

  @ApiPropertyOptional({ description: '籍贯' }) @Text() nativePlace?: string;

  @ApiPropertyOptional({ enum: EDUCATION_LEVELS })
  @IsOptional()
  @IsIn(EDUCATION_LEVELS)
  education?: string;

  @ApiPropertyOptional() @Text(500) homeAddress?: string;
  @ApiPropertyOptional() @Text() companyName?: string;

  @ApiPropertyOptional({ example: '2001-03-01' })
  @IsOptional()
  @IsPastDate()
  companyFoundedOn?: string;

  @ApiPropertyOptional() @Text() jobTitle?: string;
  @ApiPropertyOptional() @Text(500) companyAddress?: string;

  @ApiPropertyOptional({ example: '321300' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9A-Za-z -]{3,10}$/, { message: 'postcode must be 3 to 10 letters or digits' })
  postcode?: string;

  @ApiPropertyOptional({ example: '010-62345678', description: 'Normalised to E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  fax?: string;

  @ApiPropertyOptional({ example: '13812345678', description: 'Normalised to E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  mobile?: string;

  @ApiPropertyOptional({ example: 'https://example.cn' })
  @IsOptional()
  @IsUrl({ require_protocol: false })
  @MaxLength(300)
  website?: string;

  @ApiPropertyOptional({ example: 'zhang.wei@example.cn' })
  @IsOptional()
  @IsEmail()
  @MaxLength(200)
  email?: string;

  @ApiPropertyOptional() @Text(500) hobbies?: string;
  @ApiPropertyOptional() @Text() favouriteSport?: string;
  @ApiPropertyOptional() @Text() mostAdmiredPerson?: string;
  @ApiPropertyOptional() @Text() favouritePastime?: string;
  @ApiPropertyOptional() @Text() favouriteBook?: string;

  @ApiPropertyOptional({ description: 'Sensitive' }) @IsOptional() @IsBoolean() smoker?: boolean;
  @ApiPropertyOptional({ description: 'Sensitive' }) @IsOptional() @IsBoolean() drinker?: boolean;
  @ApiPropertyOptional({ description: 'Sensitive' }) @Text(100) religion?: string;

  @ApiPropertyOptional() @Text(500) motto?: string;
  @ApiPropertyOptional() @Text(4000) notes?: string;

  @ApiPropertyOptional({ type: LifeJourneyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => LifeJourneyDto)
  lifeJourney?: LifeJourneyDto;

  @ApiPropertyOptional({ example: '2026-11-24', description: 'Defaults to today' })
  @IsOptional()
  @IsPastDate()
  registeredOn?: string;

  @ApiPropertyOptional({ enum: CUSTOMER_LEVELS, description: '客户等级 as recorded on the template' })
  @IsOptional()
  @IsIn(CUSTOMER_LEVELS)
  level?: string;

  @ApiPropertyOptional({ example: '浙江' }) @Text(100) region?: string;
  @ApiPropertyOptional({ example: '制造业' }) @Text(100) industry?: string;

  @ApiPropertyOptional({ enum: LIFECYCLE_STAGES })
  @IsOptional()
  @IsIn(LIFECYCLE_STAGES)
  lifecycleStage?: string;

  @ApiPropertyOptional({ enum: RELATIONSHIP_TYPES })
  @IsOptional()
  @IsIn(RELATIONSHIP_TYPES)
  relationshipType?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The salesperson who owns the customer; defaults to the creating salesperson',
  })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({
    description: 'Values of administrator-defined custom fields, by key',
    example: { vipCardNo: 'V-0001' },
  })
  @IsOptional()
  @IsObject()
  customFields?: Record<string, unknown>;
}

export class UpdateCustomerDto extends PartialType(OmitType(CreateCustomerDto, ['kind'] as const)) {
  @ApiPropertyOptional({ description: 'Expected version (or send If-Match); a stale one fails with 412' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class ListCustomersQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Name, company, customer number, phone or e-mail; Chinese works (张 finds 张伟)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) tier?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() ownerId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) industry?: string;
  @ApiPropertyOptional({ enum: LIFECYCLE_STAGES }) @IsOptional() @IsIn(LIFECYCLE_STAGES) lifecycleStage?: string;
  @ApiPropertyOptional({ enum: ['individual', 'organization'] })
  @IsOptional()
  @IsIn(['individual', 'organization'])
  kind?: string;
  @ApiPropertyOptional({ enum: CUSTOMER_LEVELS }) @IsOptional() @IsIn(CUSTOMER_LEVELS) level?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Members of a saved segment (/segments)' })
  @IsOptional()
  @IsUUID()
  segmentId?: string;
}

export class CustomerDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'C100001', description: 'Unique human-readable customer number' }) code: string;
  @ApiProperty({ enum: ['individual', 'organization'] }) kind: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: String }) gender: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Only for callers allowed to see sensitive fields',
  })
  birthDate?: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: '属相, derived from the birth date with the lunar new year as boundary',
  })
  zodiac?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) nativePlace: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) education: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) homeAddress: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) companyName: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) companyFoundedOn: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) jobTitle: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) companyAddress: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) postcode: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) phone: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) fax: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) mobile: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) website: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) email: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) hobbies: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) favouriteSport: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) mostAdmiredPerson: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) favouritePastime: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) favouriteBook: string | null;
  @ApiPropertyOptional({ nullable: true, type: Boolean }) smoker?: boolean | null;
  @ApiPropertyOptional({ nullable: true, type: Boolean }) drinker?: boolean | null;
  @ApiPropertyOptional({ nullable: true, type: String }) religion?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) motto: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ type: LifeJourneyDto }) lifeJourney: LifeJourneyDto;
  @ApiProperty() registeredOn: string;
  @ApiPropertyOptional({ nullable: true, type: String }) level: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) tier: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) region: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) industry: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lifecycleStage: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) relationshipType: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) ownerId: string | null;
  @ApiProperty() marketingOptOut: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) customFields: Record<string, unknown>;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

/** What PATCH /customers/{id} answers an API key that may write customers but not read them. */
export class CustomerWriteReceiptDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CustomerPageDto {
  @ApiProperty({ type: [CustomerDto] }) data: CustomerDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
