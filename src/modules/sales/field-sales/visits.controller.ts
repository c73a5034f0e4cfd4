import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../../common/http/request-context.js';
import { Idempotent } from '../../../common/idempotency/idempotency.interceptor.js';
import { WorkPlanEntryDto } from './dto/work-plan.dto.js';
import {
  CheckInDto,
  CheckOutDto,
  DispatchDto,
  NearbyQuery,
  SkipVisitDto,
  TripQuery,
  UnplannedVisitDto,
  VisitsReportQuery,
} from './dto/visit.dto.js';
import { NearbyDto, TripDto, VisitsReportDto } from './dto/field-sales-report.dto.js';
import { FieldSalesService } from './field-sales.service.js';
import { VisitsService } from './visits.service.js';
import { WorkPlansService } from './work-plans.service.js';

@ApiTags('field sales')
@ApiBearerAuth()
@Allow({ roles: ['manager', 'sales'] })
@Controller('visits')
export class VisitsController {
  constructor(private readonly visits: VisitsService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: WorkPlanEntryDto, description: 'An unplanned visit, checked in on the spot' })
  unplanned(
    @Body() dto: UnplannedVisitDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanEntryDto> {
    return this.visits.unplanned(dto, principal, requestId);
  }

  @Get(':id')
  @ApiOkResponse({ type: WorkPlanEntryDto })
  get(@UuidParam() id: string, @CurrentPrincipal() principal: Principal): Promise<WorkPlanEntryDto> {
    return this.visits.get(id, principal);
  }

  @Post(':id/check-in')
  @HttpCode(200)
  @ApiOkResponse({ type: WorkPlanEntryDto })
  checkIn(
    @UuidParam() id: string,
    @Body() dto: CheckInDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanEntryDto> {
    return this.visits.checkIn(id, dto, principal, requestId);
  }

  @Post(':id/check-out')
  @HttpCode(200)
  @ApiOkResponse({ type: WorkPlanEntryDto, description: 'With the outcome, which lands on the customer’s timeline' })
  checkOut(
    @UuidParam() id: string,
    @Body() dto: CheckOutDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanEntryDto> {
    return this.visits.checkOut(id, dto, principal, requestId);
  }

  @Post(':id/skip')
  @HttpCode(200)
  @ApiOkResponse({ type: WorkPlanEntryDto })
  skip(
    @UuidParam() id: string,
    @Body() dto: SkipVisitDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanEntryDto> {
    return this.visits.skip(id, dto, principal, requestId);
  }
}

@ApiTags('field sales')
@ApiBearerAuth()
@Controller('sales')
export class FieldSalesController {
  constructor(
    private readonly fieldSales: FieldSalesService,
    private readonly plans: WorkPlansService,
  ) {}

  @Get('nearby')
  @Allow({ roles: ['manager', 'agent'] })
  @ApiOkResponse({
    type: NearbyDto,
    description:
      'Salespeople whose day passes within the radius, nearest first (a manager’s team; everyone for an agent)',
  })
  nearby(@Query() query: NearbyQuery, @CurrentPrincipal() principal: Principal): Promise<NearbyDto> {
    return this.fieldSales.nearby(query, principal);
  }

  @Post('dispatch')
  @Allow({ roles: ['manager', 'agent'] })
  @Idempotent()
  @ApiCreatedResponse({ type: WorkPlanEntryDto, description: 'The visit put into the salesperson’s plan for the day' })
  dispatch(
    @Body() dto: DispatchDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<WorkPlanEntryDto> {
    return this.plans.dispatch(dto, principal, requestId);
  }

  @Get('trips')
  @Allow({ roles: ['manager', 'sales', 'agent'] })
  @ApiOkResponse({
    type: TripDto,
    description: 'A salesperson’s approved stops of the day in order, and their latest check-in',
  })
  trip(@Query() query: TripQuery, @CurrentPrincipal() principal: Principal): Promise<TripDto> {
    return this.fieldSales.trip(query, principal);
  }
}

@ApiTags('reports')
@ApiBearerAuth()
@Allow({ roles: ['manager', 'sales'] })
@Controller('reports')
export class VisitsReportController {
  constructor(private readonly fieldSales: FieldSalesService) {}

  @Get('visits')
  @ApiOkResponse({
    type: VisitsReportDto,
    description:
      'Plan versus actual per salesperson and week: planned, done, skipped, pending, unplanned, on-time share',
  })
  visits(@Query() query: VisitsReportQuery, @CurrentPrincipal() principal: Principal): Promise<VisitsReportDto> {
    return this.fieldSales.report(query, principal);
  }
}
