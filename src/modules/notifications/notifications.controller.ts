import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/access.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { UuidParam } from '../../common/http/request-context.js';
import { ApiPageResponse } from '../../common/pagination/api-page-response.js';
import type { Page } from '../../common/pagination/cursor.js';
import { ListNotificationsQuery, MarkNotificationDto, NotificationDto } from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

/** Every signed-in staff user reads their own notices (no API keys: a route without @Allow admits users only). */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiPageResponse(NotificationDto, 'The caller’s notices, newest first, with the count of unread ones', {
    unread: { type: 'integer', description: 'How many of all the caller’s notices are unread' },
  })
  list(
    @Query() query: ListNotificationsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<NotificationDto> & { unread: number }> {
    return this.notifications.list(principal, query);
  }

  @Patch(':id')
  @ApiOkResponse({ type: NotificationDto, description: 'Marks it read or unread' })
  mark(
    @UuidParam() id: string,
    @Body() dto: MarkNotificationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NotificationDto> {
    return this.notifications.mark(principal, id, dto.read);
  }
}
