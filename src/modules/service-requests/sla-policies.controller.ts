import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId } from '../../common/http/request-context.js';
import { ReplaceSlaPoliciesDto, SlaPoliciesDto } from './dto/sla-policy.dto.js';
import { SlaPoliciesService } from './sla-policies.service.js';

@ApiTags('service requests')
@ApiBearerAuth()
@Controller('admin/sla-policies')
export class SlaPoliciesController {
  constructor(private readonly policies: SlaPoliciesService) {}

  @Get()
  @Allow({ roles: ['manager', 'agent', 'technician'] })
  @ApiOkResponse({ type: SlaPoliciesDto })
  read(): Promise<SlaPoliciesDto> {
    return this.policies.read();
  }

  @Put()
  @Allow({ roles: [] })
  @ApiOkResponse({
    type: SlaPoliciesDto,
    description: 'Replaces the whole set; applies to requests received from now on',
  })
  replace(
    @Body() dto: ReplaceSlaPoliciesDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<SlaPoliciesDto> {
    return this.policies.replace(dto, ifMatch, principal, requestId);
  }
}
