import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
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
import { IsTimestamp } from '../../../common/validation/validators.js';
import { CAMPAIGN_STATUSES } from '../campaigns.repository.js';
import { MESSAGE_CHANNELS, PURPOSES } from '../contact-gate.js';

const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;
const AMOUNT_MESSAGE = 'must be a non-negative decimal string with at most 2 decimals, e.g. "2000.00"';

export class CreateCampaignDto {
  @ApiProperty({ example: '双十一会员专享' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ format: 'uuid', description: 'The saved segment (/segments) the campaign goes to' })
  @IsUUID()
  segmentId: string;

  @ApiPropertyOptional({ enum: PURPOSES, default: 'marketing' })
  @IsOptional()
  @IsIn(PURPOSES)
  purpose?: string;

  @ApiProperty({ enum: MESSAGE_CHANNELS, isArray: true, description: 'Preference order' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_CHANNELS.length)
  @ArrayUnique()
  @IsIn(MESSAGE_CHANNELS, { each: true })
  channels: string[];

  @ApiPropertyOptional({ example: '{{ salutation }}，会员专享' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;

  @ApiProperty({ example: '{{ salutation }}，您的 {{ points }} 积分可抵现。' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  body: string;

  @ApiPropertyOptional({ description: 'When the launch selects the audience and starts sending (default: at launch)' })
  @IsOptional()
  @IsTimestamp()
  scheduledAt?: string;

  @ApiPropertyOptional({ example: '5000.00' })
  @IsOptional()
  @IsString()
  @Matches(AMOUNT, { message: `budget ${AMOUNT_MESSAGE}` })
  budget?: string;

  @ApiPropertyOptional({ example: '1200.00', description: 'What the campaign cost (may be updated after launch)' })
  @IsOptional()
  @IsString()
  @Matches(AMOUNT, { message: `cost ${AMOUNT_MESSAGE}` })
  cost?: string;

  @ApiPropertyOptional({ default: 30, description: 'Purchases within this many days after delivery count' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  attributionDays?: number;

  @ApiPropertyOptional({
    default: 0,
    description: 'Percent of the audience held out as a control group, never messaged',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50)
  controlPercent?: number;
}

export class UpdateCampaignDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() segmentId?: string;
  @ApiPropertyOptional({ enum: PURPOSES }) @IsOptional() @IsIn(PURPOSES) purpose?: string;

  @ApiPropertyOptional({ enum: MESSAGE_CHANNELS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_CHANNELS.length)
  @ArrayUnique()
  @IsIn(MESSAGE_CHANNELS, { each: true })
  channels?: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(10_000) body?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() scheduledAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(AMOUNT, { message: `budget ${AMOUNT_MESSAGE}` })
  budget?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(AMOUNT, { message: `cost ${AMOUNT_MESSAGE}` })
  cost?: string;

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(365) attributionDays?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(50) controlPercent?: number;

  @ApiPropertyOptional({ description: 'The version you saw (or If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid' }) segmentId: string;
  @ApiProperty({ enum: PURPOSES }) purpose: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS, isArray: true }) channels: string[];
  @ApiProperty() subject: string;
  @ApiProperty() body: string;
  @ApiProperty({ nullable: true, type: String }) scheduledAt: string | null;
  @ApiProperty({ nullable: true, type: String, example: '5000.00' }) budget: string | null;
  @ApiProperty({ example: '1200.00' }) cost: string;
  @ApiProperty() attributionDays: number;
  @ApiProperty() controlPercent: number;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) launchedAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Recipients messaged (decided by the gate) at launch' })
  audience: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Held out as the control group at launch' })
  heldOut: number | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class AttributionDto {
  @ApiProperty({ description: 'Members with at least one purchase in the window' }) purchasers: number;
  @ApiProperty() purchases: number;
  @ApiProperty({ example: '1280.00' }) revenue: string;
  @ApiProperty({ description: 'purchasers / members (messaged ones: those sent)', nullable: true, type: Number })
  conversionRate: number | null;
}

export class CampaignStatsDto {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: string;
  @ApiProperty({ description: 'Recipients decided by the gate (control group excluded)' }) audience: number;
  @ApiProperty({
    description: 'Suppressed recipients by reason',
    example: { 'marketing-opt-out': 12, 'no-consent': 40 },
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  suppressed: Record<string, number>;
  @ApiProperty({ description: 'Not sent yet (pending, deferred by quiet hours, queued)' }) waiting: number;
  @ApiProperty() sent: number;
  @ApiProperty() delivered: number;
  @ApiProperty() failed: number;
  @ApiProperty() opened: number;
  @ApiProperty() clicked: number;
  @ApiProperty() responded: number;
  @ApiProperty({ description: 'Leads that name the campaign (sales)' }) leads: number;
  @ApiProperty({ type: AttributionDto, description: 'Purchases within attributionDays after delivery' })
  recipients: AttributionDto;
  @ApiProperty({ type: AttributionDto, description: 'The control group, within the same window after the launch' })
  control: AttributionDto & { size: number };
  @ApiProperty({ example: '1200.00' }) cost: string;
  @ApiProperty({ nullable: true, type: String }) budget: string | null;
  @ApiProperty({ description: '(revenue − cost) / cost; null while the cost is 0', nullable: true, type: Number })
  returnOnCost: number | null;
  @ApiProperty() attributionDays: number;
}
