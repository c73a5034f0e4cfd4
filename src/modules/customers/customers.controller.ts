import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiPropertyOptional,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import { Page, PageQuery } from '../../common/pagination/cursor.js';
import { CustomerRecordsService } from './customer-records.service.js';
import { CustomersService } from './customers.service.js';
import {
  CreateCustomerDto,
  CustomerDto,
  CustomerPageDto,
  CustomerWriteReceiptDto,
  ListCustomersQuery,
  UpdateCustomerDto,
} from './dto/customer.dto.js';
import {
  ConsentsDto,
  CreateInteractionDto,
  CreatePurchaseDto,
  InteractionDto,
  PurchaseDto,
  SettleCommitmentDto,
  TimelineEntryDto,
  TimelineQuery,
  UpdateConsentsDto,
} from './dto/records.dto.js';

const ALL_STAFF = ['manager', 'sales', 'agent', 'technician', 'marketing'] as const;
const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Retry safely: the same key and body return the first result',
};

export class RefundDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller()
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly records: CustomerRecordsService,
  ) {}

  @Post('customers')
  @Idempotent()
  @Allow({ roles: ['manager', 'sales'], scopes: ['customers:write'] })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: CustomerDto })
  create(
    @Body() dto: CreateCustomerDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerDto> {
    return this.customers.create(dto, principal, requestId);
  }

  @Get('customers')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: CustomerPageDto })
  list(
    @Query() query: ListCustomersQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<Page<CustomerDto>> {
    return this.customers.list(query, principal, requestId);
  }

  @Get('customers/:id')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: CustomerDto })
  get(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerDto> {
    return this.customers.get(id, principal, requestId);
  }

  @Patch('customers/:id')
  @Allow({ roles: ['manager', 'sales'], scopes: ['customers:write'] })
  @ApiExtraModels(CustomerWriteReceiptDto)
  @ApiOkResponse({
    description:
      'The customer as the caller may see it. An API key that may write customers but not read them gets only ' +
      'id, version, updatedAt and the fields it sent.',
    schema: { anyOf: [{ $ref: getSchemaPath(CustomerDto) }, { $ref: getSchemaPath(CustomerWriteReceiptDto) }] },
  })
  update(
    @UuidParam() id: string,
    @Body() dto: UpdateCustomerDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerDto> {
    return this.customers.update(id, dto, ifMatch, principal, requestId);
  }

  @Delete('customers/:id')
  @HttpCode(204)
  @Allow({ roles: ['manager'] })
  remove(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.customers.remove(id, principal, requestId);
  }

  @Post('customers/:id/purchases')
  @Idempotent()
  @Allow({ roles: ['manager', 'sales'], scopes: ['purchases:write'] })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: PurchaseDto })
  recordPurchase(
    @UuidParam() id: string,
    @Body() dto: CreatePurchaseDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<PurchaseDto> {
    return this.records.recordPurchase(id, dto, principal, requestId);
  }

  @Get('customers/:id/purchases')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiPageResponse(PurchaseDto)
  listPurchases(@UuidParam() id: string, @Query() query: PageQuery): Promise<Page<PurchaseDto>> {
    return this.records.listPurchases(id, query);
  }

  @Post('purchases/:id/refund')
  @HttpCode(200)
  @Allow({ roles: ['manager', 'sales'], scopes: ['purchases:write'] })
  @ApiOkResponse({ type: PurchaseDto })
  refund(
    @UuidParam() id: string,
    @Body() dto: RefundDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<PurchaseDto> {
    return this.records.refundPurchase(id, dto.reason, principal, requestId);
  }

  @Post('customers/:id/interactions')
  @Idempotent()
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician'], scopes: ['interactions:write'] })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: InteractionDto })
  logInteraction(
    @UuidParam() id: string,
    @Body() dto: CreateInteractionDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<InteractionDto> {
    return this.records.logInteraction(id, dto, principal, requestId);
  }

  @Put('customers/:id/interactions/:interactionId/commitments/:index')
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician'], scopes: ['interactions:write'] })
  @ApiOkResponse({ type: InteractionDto })
  settleCommitment(
    @UuidParam() id: string,
    @UuidParam('interactionId') interactionId: string,
    @Param(
      'index',
      new ParseIntPipe({
        exceptionFactory: () => new ValidationFailed([{ field: 'index', message: 'index must be a whole number' }]),
      }),
    )
    index: number,
    @Body() dto: SettleCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<InteractionDto> {
    return this.records.settleCommitment(id, interactionId, index, dto.status, principal, requestId);
  }

  @Get('customers/:id/interactions')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiPageResponse(InteractionDto)
  listInteractions(@UuidParam() id: string, @Query() query: PageQuery): Promise<Page<InteractionDto>> {
    return this.records.listInteractions(id, query);
  }

  @Get('customers/:id/consents')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiOkResponse({ type: ConsentsDto })
  getConsents(@UuidParam() id: string): Promise<ConsentsDto> {
    return this.records.getConsents(id);
  }

  // Consent is the customer's word, recorded by the staff who hear it; marketing may not grant it to itself.
  @Put('customers/:id/consents')
  @Allow({ roles: ['manager', 'sales', 'agent'], scopes: ['customers:write'] })
  @ApiOkResponse({ type: ConsentsDto })
  updateConsents(
    @UuidParam() id: string,
    @Body() dto: UpdateConsentsDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ConsentsDto> {
    return this.records.updateConsents(id, dto, principal, requestId);
  }

  @Get('customers/:id/timeline')
  @Allow({ roles: [...ALL_STAFF], scopes: ['customers:read'] })
  @ApiPageResponse(TimelineEntryDto)
  timeline(@UuidParam() id: string, @Query() query: TimelineQuery): Promise<Page<TimelineEntryDto>> {
    return this.records.timeline(id, query);
  }
}
