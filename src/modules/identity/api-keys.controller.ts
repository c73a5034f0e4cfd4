import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Page, PageQuery } from '../../common/pagination/cursor.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@Allow({ roles: [] })
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(
    @Body() dto: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(dto, principal, requestId);
  }

  @Get()
  @ApiPageResponse(ApiKeyDto)
  list(@Query() query: PageQuery): Promise<Page<ApiKeyDto>> {
    return this.apiKeys.list(query);
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.apiKeys.revoke(id, principal, requestId);
  }
}
