import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse } from '../../../common/pagination/api-page-response.js';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../../common/http/request-context.js';
import type { Page } from '../../../common/pagination/cursor.js';
import {
  CustomerMergeDto,
  DuplicatePageDto,
  DuplicatesQuery,
  type DuplicateCandidateDto,
  MergeCustomerDto,
} from './customer-merge.dto.js';
import { CustomerMergesService } from './customer-merges.service.js';

const ALL_STAFF = ['manager', 'sales', 'agent', 'technician', 'marketing'] as const;

@ApiTags('customers')
@ApiBearerAuth()
@Controller()
export class CustomerMergesController {
  constructor(private readonly merges: CustomerMergesService) {}

  @Get('customers/duplicates')
  @Allow({ roles: ['manager'], scopes: ['customers:write'] })
  @ApiOkResponse({ type: DuplicatePageDto })
  all(@Query() query: DuplicatesQuery): Promise<Page<DuplicateCandidateDto>> {
    return this.merges.allDuplicates(query.limit, query.cursor);
  }

  @Get('customers/:id/duplicates')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: DuplicatePageDto })
  of(@UuidParam() id: string, @Query() query: DuplicatesQuery): Promise<Page<DuplicateCandidateDto>> {
    return this.merges.duplicatesOf(id, query.limit, query.cursor);
  }

  @Post('customers/:id/merge')
  @HttpCode(200)
  @Allow({ roles: ['manager', 'sales'], scopes: ['customers:write'] })
  @ApiOkResponse({ type: CustomerMergeDto, description: 'The merge log (the first one again on a retry)' })
  async merge(
    @UuidParam() id: string,
    @Body() dto: MergeCustomerDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerMergeDto> {
    return (await this.merges.merge(id, dto, principal, requestId)).merge;
  }

  @Get('customers/:id/merges')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiPageResponse(CustomerMergeDto, 'The duplicates merged into this customer (one page)')
  async mergesInto(@UuidParam() id: string): Promise<{ data: CustomerMergeDto[]; nextCursor: null }> {
    return { data: await this.merges.mergesInto(id), nextCursor: null };
  }

  @Get('customers/merges/:id')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: CustomerMergeDto })
  get(@UuidParam() id: string): Promise<CustomerMergeDto> {
    return this.merges.get(id);
  }

  @Post('customers/merges/:id/undo')
  @HttpCode(200)
  @Allow({ roles: ['manager'], scopes: ['customers:write'] })
  @ApiOkResponse({ type: CustomerMergeDto })
  undo(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerMergeDto> {
    return this.merges.undo(id, principal, requestId);
  }
}
