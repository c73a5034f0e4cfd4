import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Page, PageQuery } from '../../common/pagination/cursor.js';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveriesQuery,
  ReplayRangeDto,
  ReplayResultDto,
  RotatedSecretDto,
  TestDeliveryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
} from './dto/webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

/** Administrators, and partner API keys with webhooks:manage (which see only the endpoints they created). */
@ApiTags('webhooks')
@ApiBearerAuth()
@Allow({ roles: [], scopes: ['webhooks:manage'] })
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto, description: 'The secret is in this response only' })
  create(
    @Body() dto: CreateWebhookEndpointDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(dto, principal, requestId);
  }

  @Get()
  @ApiPageResponse(WebhookEndpointDto)
  list(@Query() query: PageQuery, @CurrentPrincipal() principal: Principal): Promise<Page<WebhookEndpointDto>> {
    return this.webhooks.list(principal, query.cursor, query.limit);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookEndpointDto> {
    return this.webhooks.get(id, principal);
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read; a stale one fails with 412' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateWebhookEndpointDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.update(id, dto, ifMatch, principal, requestId);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.webhooks.remove(id, principal, requestId);
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  @ApiOkResponse({ type: RotatedSecretDto })
  rotateSecret(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<RotatedSecretDto> {
    return this.webhooks.rotateSecret(id, principal, requestId);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: TestDeliveryDto,
    description: 'A webhook.test event is on its way; follow it in the deliveries',
  })
  test(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<TestDeliveryDto> {
    return this.webhooks.sendTest(id, principal);
  }

  @Get(':id/deliveries')
  @ApiPageResponse(WebhookDeliveryDto, 'Newest first, each with every attempt')
  deliveries(
    @UuidParam() id: string,
    @Query() query: DeliveriesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<WebhookDeliveryDto>> {
    return this.webhooks.listDeliveries(id, query, principal);
  }

  @Post('deliveries/:id/replay')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ReplayResultDto, description: 'Sent again with the same webhook-id' })
  replayDelivery(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ReplayResultDto> {
    return this.webhooks.replayDelivery(id, principal, requestId);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ReplayResultDto,
    description: 'Every delivery of an event that occurred in [from, to), sent again',
  })
  replayRange(
    @UuidParam() id: string,
    @Body() range: ReplayRangeDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ReplayResultDto> {
    return this.webhooks.replayRange(id, range, principal, requestId);
  }
}
