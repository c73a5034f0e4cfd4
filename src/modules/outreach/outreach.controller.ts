import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { PageQuery, type Page } from '../../common/pagination/cursor.js';
import {
  CreateRuleDto,
  DeliveryReportDto,
  ListMessagesQuery,
  ListRunsQuery,
  MessageDto,
  PreviewDto,
  PreviewResultDto,
  RuleDto,
  RunDto,
  RunScanDto,
  UpdateRuleDto,
} from './dto/outreach.dto.js';
import { toRuleDto } from './outreach.presenter.js';
import { OutreachMessagesService } from './outreach-messages.service.js';
import { OutreachRulesService } from './outreach-rules.service.js';

const MARKETING = ['marketing'] as const;
const MESSAGE_READERS = ['marketing', 'manager', 'agent'] as const;

@ApiTags('outreach')
@ApiBearerAuth()
@Controller('outreach')
export class OutreachController {
  constructor(
    private readonly rules: OutreachRulesService,
    private readonly messages: OutreachMessagesService,
  ) {}

  @Post('rules')
  @Allow({ roles: [...MARKETING] })
  @ApiCreatedResponse({ type: RuleDto })
  createRule(
    @Body() dto: CreateRuleDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RuleDto> {
    return this.rules.create(dto, principal, requestId);
  }

  @Get('rules')
  @Allow({ roles: [...MARKETING] })
  @ApiPageResponse(RuleDto, 'Newest first')
  listRules(@Query() query: PageQuery): Promise<Page<RuleDto>> {
    return this.rules.list(query);
  }

  @Get('rules/:id')
  @Allow({ roles: [...MARKETING] })
  @ApiOkResponse({ type: RuleDto })
  async getRule(@UuidParam() id: string): Promise<RuleDto> {
    return toRuleDto(await this.rules.get(id));
  }

  @Patch('rules/:id')
  @Allow({ roles: [...MARKETING] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you saw; a stale one fails with 412' })
  @ApiOkResponse({ type: RuleDto })
  updateRule(
    @UuidParam() id: string,
    @Body() dto: UpdateRuleDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RuleDto> {
    return this.rules.update(id, dto, ifMatch, principal, requestId);
  }

  @Post('rules/:id/run')
  @HttpCode(200)
  @Allow({ roles: [...MARKETING] })
  @ApiOkResponse({
    type: RunDto,
    description: "Runs a date-based rule's daily scan now; a rerun for the same day creates nothing twice",
  })
  run(@UuidParam() id: string, @Body() dto: RunScanDto): Promise<RunDto> {
    return this.rules.runScan(id, dto.day);
  }

  @Get('runs')
  @Allow({ roles: [...MARKETING] })
  @ApiPageResponse(RunDto, 'Runs of the daily scans (birthday, dormant, VIP care calls), newest first')
  runs(@Query() query: ListRunsQuery): Promise<Page<RunDto>> {
    return this.rules.runs(query);
  }

  @Post('preview')
  @HttpCode(200)
  @Allow({ roles: [...MARKETING] })
  @ApiOkResponse({
    type: PreviewResultDto,
    description: 'What the rule would send the customer now, and why; writes nothing',
  })
  preview(@Body() dto: PreviewDto): Promise<PreviewResultDto> {
    return this.messages.preview(dto);
  }

  @Get('messages')
  @Allow({ roles: [...MESSAGE_READERS] })
  @ApiPageResponse(MessageDto, 'Newest first, with the decision and the suppression reason')
  listMessages(@Query() query: ListMessagesQuery): Promise<Page<MessageDto>> {
    return this.messages.list(query);
  }

  @Get('messages/:id')
  @Allow({ roles: [...MESSAGE_READERS] })
  @ApiOkResponse({ type: MessageDto, description: 'With its status history' })
  getMessage(@UuidParam() id: string): Promise<MessageDto> {
    return this.messages.get(id);
  }

  @Post('messages/:id/status')
  @HttpCode(200)
  @Allow({ roles: [], scopes: ['outreach:report'] })
  @ApiOkResponse({
    type: MessageDto,
    description: "A provider's delivery report; the same reportId twice changes nothing",
  })
  report(@UuidParam() id: string, @Body() dto: DeliveryReportDto): Promise<MessageDto> {
    return this.messages.report(id, dto);
  }
}
