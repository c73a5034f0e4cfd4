import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { IfMatchVersion, RequestId } from '../../common/http/request-context.js';
import { LoyaltySettingsDto, UpdateLoyaltySettingsDto } from './dto/loyalty-settings.dto.js';
import { LoyaltySettingsService } from './loyalty-settings.service.js';

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller('admin/loyalty/settings')
export class LoyaltySettingsController {
  constructor(private readonly settings: LoyaltySettingsService) {}

  // Marketing reads them too: campaigns and the reward catalogue are priced against the earn rate.
  @Get()
  @Allow({ roles: ['manager', 'marketing'] })
  @ApiOkResponse({ type: LoyaltySettingsDto })
  read(): Promise<LoyaltySettingsDto> {
    return this.settings.read();
  }

  @Put()
  @Allow({ roles: [] })
  @ApiOkResponse({ type: LoyaltySettingsDto })
  update(
    @Body() dto: UpdateLoyaltySettingsDto,
    @IfMatchVersion() ifMatch: number | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
  ): Promise<LoyaltySettingsDto> {
    return this.settings.update(dto, ifMatch, principal, requestId);
  }
}
