import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { PageQuery, type Page } from '../../common/pagination/cursor.js';
import {
  CreateFeedbackDto,
  CreateSurveyDto,
  FeedbackDto,
  FeedbackReportDto,
  FeedbackReportQuery,
  ListFeedbackQuery,
  SendSurveyDto,
  SurveyDto,
  SurveySendingDto,
} from './dto/feedback.dto.js';
import { FeedbackService, toSurveyDto } from './feedback.service.js';

/** Staff who hear customers record what they say; marketing runs surveys; R&D reads through marketing and managers. */
const RECORDERS = ['marketing', 'agent', 'sales', 'manager'] as const;
const READERS = ['marketing', 'manager'] as const;

@ApiTags('feedback')
@ApiBearerAuth()
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @Allow({ roles: [...RECORDERS] })
  @ApiCreatedResponse({
    type: FeedbackDto,
    description: 'A suggestion, or a survey answer checked against its questions',
  })
  record(@Body() dto: CreateFeedbackDto, @CurrentPrincipal() principal: Principal): Promise<FeedbackDto> {
    return this.feedback.record(dto, principal);
  }

  @Get()
  @Allow({ roles: [...READERS] })
  @ApiPageResponse(FeedbackDto, 'Newest first')
  list(@Query() query: ListFeedbackQuery): Promise<Page<FeedbackDto>> {
    return this.feedback.list(query);
  }

  @Post('surveys')
  @Allow({ roles: ['marketing'] })
  @ApiCreatedResponse({ type: SurveyDto })
  createSurvey(@Body() dto: CreateSurveyDto): Promise<SurveyDto> {
    return this.feedback.createSurvey(dto);
  }

  @Get('surveys')
  @Allow({ roles: [...READERS] })
  @ApiPageResponse(SurveyDto, 'Newest first')
  surveys(@Query() query: PageQuery): Promise<Page<SurveyDto>> {
    return this.feedback.surveys(query);
  }

  @Get('surveys/:id')
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: SurveyDto })
  async survey(@UuidParam() id: string): Promise<SurveyDto> {
    return toSurveyDto(await this.feedback.survey(id));
  }

  @Post('surveys/:id/send')
  @HttpCode(200)
  @Allow({ roles: ['marketing'] })
  @ApiOkResponse({ type: [SurveySendingDto], description: "Each customer's invitation as the contact gate decided it" })
  send(@UuidParam() id: string, @Body() dto: SendSurveyDto): Promise<SurveySendingDto[]> {
    return this.feedback.send(id, dto.customerIds);
  }
}

@ApiTags('feedback')
@ApiBearerAuth()
@Controller('reports/feedback')
export class FeedbackReportController {
  constructor(private readonly feedback: FeedbackService) {}

  @Get()
  @Allow({ roles: [...READERS] })
  @ApiOkResponse({ type: FeedbackReportDto, description: 'NPS, CSAT, counts by tag and the newest suggestions' })
  report(@Query() query: FeedbackReportQuery): Promise<FeedbackReportDto> {
    return this.feedback.report(query);
  }
}
