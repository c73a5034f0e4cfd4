import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../common/auth/access.decorator.js';
import { UuidParam } from '../../common/http/request-context.js';
import { CustomersService } from '../customers/customers.service.js';
import { OpenProblemsDto } from './dto/open-problems.dto.js';
import { OpenProblemsService } from './open-problems.service.js';

@ApiTags('complaints')
@ApiBearerAuth()
@Controller('customers/:id/open-problems')
export class OpenProblemsController {
  constructor(
    private readonly problems: OpenProblemsService,
    private readonly customers: CustomersService,
  ) {}

  @Get()
  @Allow({ roles: ['manager', 'sales', 'agent', 'technician', 'marketing'], scopes: ['customers:read'] })
  @ApiOkResponse({ type: OpenProblemsDto, description: 'Open complaints and overdue service requests (R-P5)' })
  async list(@UuidParam() id: string): Promise<OpenProblemsDto> {
    await this.customers.ownerOf(id); // 404 for a customer that does not exist
    return { data: await this.problems.forCustomer(id) };
  }
}
