import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../../common/auth/access.decorator.js';
import type { Principal } from '../../../common/auth/principal.js';
import { RequestId, UuidParam } from '../../../common/http/request-context.js';
import { CustomerDataExport, ExportCustomerData } from './export-customer-data.js';

@ApiTags('customers')
@ApiBearerAuth()
@Controller()
export class PersonalDataController {
  constructor(private readonly exportData: ExportCustomerData) {}

  @Get('customers/:id/export')
  @Allow({ roles: [], scopes: ['customers:export'] })
  @ApiOkResponse({
    type: CustomerDataExport,
    description: 'Everything held about the customer: module → table → rows, as stored',
  })
  export(
    @UuidParam() id: string,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<CustomerDataExport> {
    return this.exportData.execute(id, principal, requestId);
  }
}
