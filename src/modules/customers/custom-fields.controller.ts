import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { mapPage, Page, PageQuery } from '../../common/pagination/cursor.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { toCustomFieldDto } from './custom-field.presenter.js';
import { CustomFieldsService } from './custom-fields.service.js';
import { CreateCustomFieldDto, CustomFieldDto, UpdateCustomFieldDto } from './dto/custom-field.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/custom-fields')
export class CustomFieldsController {
  constructor(private readonly fields: CustomFieldsService) {}

  @Get()
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiPageResponse(CustomFieldDto)
  async list(@Query() query: PageQuery): Promise<Page<CustomFieldDto>> {
    return mapPage(await this.fields.list(query), toCustomFieldDto);
  }

  @Post()
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: CustomFieldDto })
  async create(
    @Body() dto: CreateCustomFieldDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomFieldDto> {
    return toCustomFieldDto(await this.fields.create(dto, principal, requestId));
  }

  @Patch(':id')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: CustomFieldDto })
  async update(
    @UuidParam() id: string,
    @Body() dto: UpdateCustomFieldDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomFieldDto> {
    return toCustomFieldDto(await this.fields.update(id, dto, ifMatch, principal, requestId));
  }
}
