import { Body, Controller, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId, UuidParam } from '../../common/http/request-context.js';
import { Idempotent } from '../../common/idempotency/idempotency.interceptor.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import {
  CreateProductDto,
  CreateQuoteDto,
  DecideQuoteDto,
  DiscountLimitsDto,
  ListProductsQuery,
  ListQuotesQuery,
  ProductDto,
  QuoteDto,
  ReviseQuoteDto,
  UpdateProductDto,
} from './dto/quote.dto.js';
import { ProductsService } from './products.service.js';
import { QuotesService } from './quotes.service.js';

const SELLERS = ['manager', 'sales'] as const;
const IF_MATCH = { name: 'If-Match', required: false, description: 'The version you read; 412 if it changed since' };

@ApiTags('sales')
@ApiBearerAuth()
@Controller()
export class QuotesController {
  constructor(
    private readonly products: ProductsService,
    private readonly quotes: QuotesService,
  ) {}

  @Post('products')
  @Allow({ roles: ['manager'] })
  @ApiCreatedResponse({ type: ProductDto })
  createProduct(
    @Body() dto: CreateProductDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ProductDto> {
    return this.products.create(dto, principal, requestId);
  }

  @Get('products')
  @Allow({ roles: [...SELLERS, 'marketing'] })
  @ApiPageResponse(ProductDto, 'The price list, newest first')
  listProducts(@Query() query: ListProductsQuery): Promise<Page<ProductDto>> {
    return this.products.list(query);
  }

  @Get('products/:id')
  @Allow({ roles: [...SELLERS, 'marketing'] })
  @ApiOkResponse({ type: ProductDto })
  getProduct(@UuidParam() id: string): Promise<ProductDto> {
    return this.products.get(id);
  }

  @Patch('products/:id')
  @Allow({ roles: ['manager'] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ProductDto })
  updateProduct(
    @UuidParam() id: string,
    @Body() dto: UpdateProductDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<ProductDto> {
    return this.products.update(id, dto, ifMatch, principal, requestId);
  }

  @Post('quotes')
  @Idempotent()
  @Allow({ roles: [...SELLERS] })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({
    type: QuoteDto,
    description: '`approved` within the maker’s discount limit, else `pending_approval`',
  })
  createQuote(
    @Body() dto: CreateQuoteDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QuoteDto> {
    return this.quotes.create(dto, principal, requestId);
  }

  @Get('quotes')
  @Allow({ roles: [...SELLERS] })
  @ApiPageResponse(QuoteDto, 'Newest first: a salesperson’s own, a manager’s team’s')
  listQuotes(@Query() query: ListQuotesQuery, @CurrentPrincipal() principal: Principal): Promise<Page<QuoteDto>> {
    return this.quotes.list(query, principal);
  }

  @Get('quotes/:id')
  @Allow({ roles: [...SELLERS] })
  @ApiOkResponse({ type: QuoteDto })
  getQuote(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<QuoteDto> {
    return this.quotes.get(id, principal);
  }

  @Post('quotes/:id/revisions')
  @Allow({ roles: [...SELLERS] })
  @ApiCreatedResponse({ type: QuoteDto, description: 'The next revision, which replaces this one' })
  revise(
    @UuidParam() id: string,
    @Body() dto: ReviseQuoteDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QuoteDto> {
    return this.quotes.revise(id, dto, principal, requestId);
  }

  @Post('quotes/:id/approve')
  @HttpCode(200)
  @Allow({ roles: ['manager'] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: QuoteDto })
  approve(
    @UuidParam() id: string,
    @Body() dto: DecideQuoteDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QuoteDto> {
    return this.quotes.approve(id, dto, ifMatch, principal, requestId);
  }

  @Post('quotes/:id/reject')
  @HttpCode(200)
  @Allow({ roles: ['manager'] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: QuoteDto, description: 'A reason is required' })
  reject(
    @UuidParam() id: string,
    @Body() dto: DecideQuoteDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QuoteDto> {
    return this.quotes.reject(id, dto, ifMatch, principal, requestId);
  }

  @Post('quotes/:id/send')
  @HttpCode(200)
  @Allow({ roles: [...SELLERS] })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: QuoteDto, description: 'Only an approved quote; 409 otherwise' })
  send(
    @UuidParam() id: string,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<QuoteDto> {
    return this.quotes.send(id, ifMatch, principal, requestId);
  }

  @Get('admin/discount-limits')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: DiscountLimitsDto })
  discountLimits(): Promise<DiscountLimitsDto> {
    return this.quotes.discountLimits();
  }

  @Put('admin/discount-limits')
  @Allow({ roles: [] })
  @ApiOkResponse({ type: DiscountLimitsDto })
  setDiscountLimits(
    @Body() dto: DiscountLimitsDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<DiscountLimitsDto> {
    return this.quotes.setDiscountLimits(dto, principal, requestId);
  }
}
