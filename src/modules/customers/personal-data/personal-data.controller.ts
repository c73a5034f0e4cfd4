import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../../common/http/request-context.js';
import { CustomerLegalHolds } from './customer-legal-holds.js';
import { EraseCustomerData } from './erase-customer-data.js';
import { CustomerDataExport, ExportCustomerData } from './export-customer-data.js';
import { customerDataZip } from './export-zip.js';
import {
  CustomerErasureDto,
  EraseCustomerDto,
  ExportQuery,
  LegalHoldDto,
  SetLegalHoldDto,
} from './personal-data.dto.js';

@ApiTags('customers')
@ApiBearerAuth()
@Controller()
export class PersonalDataController {
  constructor(
    private readonly exportData: ExportCustomerData,
    private readonly eraseData: EraseCustomerData,
    private readonly legalHolds: CustomerLegalHolds,
  ) {}

  @Get('customers/:id/export')
  @Allow({ roles: [], scopes: ['customers:export'] })
  @ApiExtraModels(CustomerDataExport)
  @ApiOkResponse({
    content: {
      'application/json': { schema: { $ref: getSchemaPath(CustomerDataExport) } },
      'application/zip': { schema: { type: 'string', format: 'binary' } },
    },
    description:
      'Everything held about the customer: module → table → rows, as stored. With `format=zip`: a zip of export.json and one CSV per module and table',
  })
  async export(
    @UuidParam() id: string,
    @Query() query: ExportQuery,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerDataExport | StreamableFile> {
    const data = await this.exportData.execute(id, principal, requestId, query.format ?? 'json');
    if (query.format !== 'zip') return data;
    return new StreamableFile(customerDataZip(data), {
      type: 'application/zip',
      disposition: `attachment; filename="customer-${id}-export.zip"`,
    });
  }

  @Post('customers/:id/erase')
  @HttpCode(200)
  @Allow({ roles: [], scopes: ['customers:erase'] })
  @ApiOkResponse({ type: CustomerErasureDto, description: 'The erasure (the first one again on a repeat)' })
  async erase(
    @UuidParam() id: string,
    @Body() dto: EraseCustomerDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerErasureDto> {
    const { erasure } = await this.eraseData.execute({
      customerId: id,
      ground: dto.ground,
      reference: dto.reference,
      principal,
      requestId,
    });
    return erasure;
  }

  @Get('customers/:id/legal-hold')
  @Allow({ roles: [], scopes: [] })
  @ApiOkResponse({ type: LegalHoldDto, description: 'The open legal hold (404 when none is open)' })
  legalHold(@UuidParam() id: string): Promise<LegalHoldDto> {
    return this.legalHolds.get(id);
  }

  @Put('customers/:id/legal-hold')
  @Allow({ roles: [], scopes: [] })
  @ApiOkResponse({ type: LegalHoldDto, description: 'The open legal hold (the existing one if one was open)' })
  setLegalHold(
    @UuidParam() id: string,
    @Body() dto: SetLegalHoldDto,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<LegalHoldDto> {
    return this.legalHolds.set(id, dto.reason, principal, requestId);
  }

  @Delete('customers/:id/legal-hold')
  @HttpCode(204)
  @Allow({ roles: [], scopes: [] })
  @ApiNoContentResponse({ description: 'Released: the customer may be erased again' })
  releaseLegalHold(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.legalHolds.release(id, principal, requestId);
  }
}
