import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { RequestId } from '../../common/http/request-context.js';
import { CustomFieldsService } from './custom-fields.service.js';
import { CreateCustomFieldDto, CustomFieldDto, UpdateCustomFieldDto } from './dto/custom-field.dto.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/custom-fields')
export class CustomFieldsController {
  constructor(private readonly fields: CustomFieldsService) {}

  @Get()
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiOkResponse({ type: [CustomFieldDto] })
  async list(): Promise<{ data: CustomFieldDto[] }> {
    return { data: await this.fields.list() };
  }

  @Post()
  @Allow({ roles: [] })
  @ApiCreatedResponse({ type: CustomFieldDto })
  create(@Body() dto: CreateCustomFieldDto, @CurrentPrincipal() principal: Principal, @RequestId() requestId: string): Promise<CustomFieldDto> {
    return this.fields.create(dto, principal, requestId);
  }

  @Patch(':id')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: CustomFieldDto })
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateCustomFieldDto, @CurrentPrincipal() principal: Principal, @RequestId() requestId: string): Promise<CustomFieldDto> {
    return this.fields.update(id, dto, principal, requestId);
  }
}
