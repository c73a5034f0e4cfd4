import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../common/http/request-context.js';
import { ReassignDto, ReassignmentDto } from './dto/hand-over.dto.js';
import { RequestHandOver } from './hand-over.js';

@ApiTags('sales')
@ApiBearerAuth()
@Allow({ roles: ['manager'] })
@Controller('admin/reassign')
export class HandOverController {
  constructor(private readonly handOver: RequestHandOver) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ReassignmentDto, description: 'The hand-over runs as one job; follow it with GET' })
  reassign(
    @Body() dto: ReassignDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ReassignmentDto> {
    return this.handOver.execute(dto, principal, requestId);
  }

  @Get(':id')
  @ApiOkResponse({ type: ReassignmentDto, description: 'Progress: what has moved so far' })
  get(@UuidParam() id: string): Promise<ReassignmentDto> {
    return this.handOver.get(id);
  }
}
