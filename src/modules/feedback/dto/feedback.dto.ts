import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsCalendarDate } from '../../../common/validation/validators.js';
import { MESSAGE_CHANNELS, PURPOSES } from '../../outreach/contact-gate.js';
import { QUESTION_KINDS } from '../feedback.repository.js';

export const FEEDBACK_KINDS = ['suggestion', 'survey_answer'] as const;

export class SurveyQuestionDto {
  @ApiProperty({ example: 'recommend', description: 'The answer key (letters, digits, _)' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,39}$/, { message: 'key must be lower-case letters, digits or _ (at most 40)' })
  key: string;

  @ApiProperty({ enum: QUESTION_KINDS, description: 'nps: 0–10; csat: 1–5; text: free text' })
  @IsIn(QUESTION_KINDS)
  kind: string;

  @ApiProperty({ example: '您有多大可能向朋友推荐我们的净水器？' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text: string;
}

export class CreateSurveyDto {
  @ApiProperty({ example: '净水器满意度调查' }) @IsString() @MinLength(1) @MaxLength(200) name: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The product (/products) the survey is about' })
  @IsOptional()
  @IsUUID()
  productId?: string;

  @ApiProperty({ type: [SurveyQuestionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => SurveyQuestionDto)
  questions: SurveyQuestionDto[];

  @ApiPropertyOptional({ enum: PURPOSES, default: 'care' }) @IsOptional() @IsIn(PURPOSES) purpose?: string;

  @ApiProperty({ enum: MESSAGE_CHANNELS, isArray: true, description: 'Preference order for the invitation' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_CHANNELS.length)
  @ArrayUnique()
  @IsIn(MESSAGE_CHANNELS, { each: true })
  channels: string[];

  @ApiPropertyOptional({ example: '{{ salutation }}，邀请您参与调查' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;

  @ApiProperty({ example: '{{ salutation }}，请花一分钟告诉我们您的感受。', description: 'The invitation (Liquid)' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  body: string;
}

export class SurveyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) productId: string | null;
  @ApiProperty({ type: [SurveyQuestionDto] }) questions: SurveyQuestionDto[];
  @ApiProperty({ enum: PURPOSES }) purpose: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS, isArray: true }) channels: string[];
  @ApiProperty() subject: string;
  @ApiProperty() body: string;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class SendSurveyDto {
  @ApiProperty({ format: 'uuid', isArray: true, description: 'At most 1,000 customers per call' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1_000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  customerIds: string[];
}

export class SurveySendingDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null: invited before (nothing new)' })
  messageId: string | null;
  @ApiProperty({ enum: ['send', 'defer', 'suppress'], nullable: true, type: String }) decision: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}

export class CreateFeedbackDto {
  @ApiProperty({ enum: FEEDBACK_KINDS }) @IsIn(FEEDBACK_KINDS) kind: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() customerId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() productId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() purchaseId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() serviceRequestId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for survey answers' })
  @IsOptional()
  @IsUUID()
  surveyId?: string;

  @ApiPropertyOptional({
    description: 'Survey answers by question key: nps 0–10, csat 1–5 (integers), text a string',
    example: { recommend: 9, satisfied: 4, comment: '出水很快' },
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  answers?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '希望滤芯更换提醒更早一些' })
  @IsOptional()
  @IsString()
  @MaxLength(5_000)
  text?: string;

  @ApiPropertyOptional({ example: ['滤芯', '提醒'], isArray: true, type: String })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(40, { each: true })
  tags?: string[];
}

export class FeedbackDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: FEEDBACK_KINDS }) kind: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) productId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) purchaseId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) serviceRequestId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) surveyId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) answers: Record<string, number | string>;
  @ApiProperty({ nullable: true, type: Number }) nps: number | null;
  @ApiProperty({ nullable: true, type: Number }) csat: number | null;
  @ApiProperty({ nullable: true, type: String }) text: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() createdAt: string;
}

export class ListFeedbackQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() customerId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() productId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() surveyId?: string;
  @ApiPropertyOptional({ enum: FEEDBACK_KINDS }) @IsOptional() @IsIn(FEEDBACK_KINDS) kind?: string;
}

export class FeedbackReportQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() productId?: string;
  @ApiPropertyOptional({ example: '2026-09-01', description: 'First day (default: 90 days before to)' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
  @ApiPropertyOptional({ example: '2026-12-01', description: 'Last day, included (default: today, UTC)' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class NpsDto {
  @ApiProperty({ nullable: true, type: Number, description: '% promoters (9–10) − % detractors (0–6), rounded' })
  score: number | null;
  @ApiProperty() responses: number;
  @ApiProperty() promoters: number;
  @ApiProperty() passives: number;
  @ApiProperty() detractors: number;
}

export class CsatDto {
  @ApiProperty({ nullable: true, type: String, example: '4.25' }) average: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of 4 and 5' }) satisfiedShare: number | null;
  @ApiProperty() responses: number;
}

export class FeedbackTagCountDto {
  @ApiProperty() tag: string;
  @ApiProperty({ type: 'integer' }) count: number;
}

export class FeedbackReportDto {
  @ApiProperty({ nullable: true, type: String }) productId: string | null;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Survey answers in the period' }) responses: number;
  @ApiProperty() suggestions: number;
  @ApiProperty({ type: NpsDto }) nps: NpsDto;
  @ApiProperty({ type: CsatDto }) csat: CsatDto;
  @ApiProperty({ type: [FeedbackTagCountDto], description: 'Entries by tag, most first' })
  tags: FeedbackTagCountDto[];
  @ApiProperty({ type: [FeedbackDto], description: 'The 10 newest suggestions' }) newestSuggestions: FeedbackDto[];
}
