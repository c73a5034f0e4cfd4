import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { PageQuery, type Page } from '../../common/pagination/cursor.js';
import { CustomersService } from '../customers/customers.service.js';
import { CustomerDto, ListCustomersQuery } from '../customers/dto/customer.dto.js';
import { CreateSegmentDto, SegmentCountDto, SegmentDto, UpdateSegmentDto } from './dto/segment.dto.js';
import { SegmentsService, toSegmentDto } from './segments.service.js';

const MARKETING = ['marketing'] as const;

@ApiTags('segments')
@ApiBearerAuth()
@Controller('segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly customerList: CustomersService,
  ) {}

  @Post()
  @Allow({ roles: [...MARKETING] })
  @ApiCreatedResponse({ type: SegmentDto })
  create(
    @Body() dto: CreateSegmentDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<SegmentDto> {
    return this.segments.create(dto, principal, requestId);
  }

  @Get()
  @Allow({ roles: [...MARKETING] })
  @ApiPageResponse(SegmentDto, 'Newest first')
  list(@Query() query: PageQuery): Promise<Page<SegmentDto>> {
    return this.segments.list(query);
  }

  @Get(':id')
  @Allow({ roles: [...MARKETING] })
  @ApiOkResponse({ type: SegmentDto })
  async get(@UuidParam() id: string): Promise<SegmentDto> {
    return toSegmentDto(await this.segments.get(id));
  }

  @Patch(':id')
  @Allow({ roles: [...MARKETING] })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you saw; a stale one fails with 412' })
  @ApiOkResponse({ type: SegmentDto })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateSegmentDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<SegmentDto> {
    return this.segments.update(id, dto, ifMatch, principal, requestId);
  }

  @Delete(':id')
  @HttpCode(204)
  @Allow({ roles: [...MARKETING] })
  @ApiNoContentResponse()
  delete(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.segments.delete(id, principal, requestId);
  }

  @Get(':id/count')
  @Allow({ roles: [...MARKETING] })
  @ApiOkResponse({ type: SegmentCountDto, description: 'Counted live' })
  async count(@UuidParam() id: string): Promise<SegmentCountDto> {
    return { count: await this.segments.count(id) };
  }

  @Get(':id/customers')
  @Allow({ roles: [...MARKETING] })
  @ApiPageResponse(CustomerDto, 'The members now, newest first, keyset-paged as GET /customers')
  members(
    @UuidParam() id: string,
    @Query() query: PageQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<Page<CustomerDto>> {
    return this.customerList.list(
      Object.assign(new ListCustomersQuery(), query, { segmentId: id }),
      principal,
      requestId,
    );
  }
}
