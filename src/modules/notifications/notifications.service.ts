import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { Forbidden, NotFound } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { ListNotificationsQuery, NotificationDto } from './dto/notification.dto.js';
import { type NewNotification, NotificationsRepository, type NotificationRow } from './notifications.repository.js';

export type { NewNotification };

function toNotificationDto(row: NotificationRow): NotificationDto {
  const { cursorAt: _cursor, ...rest } = row;
  return { ...rest, read: row.readAt !== null };
}

/** Notices to staff users, written in the transaction of the change they tell about. */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  notify(tx: Tx, ...notices: NewNotification[]): Promise<void> {
    return this.notifications.insert(tx, notices);
  }

  async list(principal: Principal, query: ListNotificationsQuery): Promise<Page<NotificationDto> & { unread: number }> {
    const userId = this.userOf(principal);
    const rows = await this.notifications.list(userId, query.status, decodeCursor(query.cursor), query.limit);
    const page = toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toNotificationDto);
    return { ...page, unread: await this.notifications.unreadCount(userId) };
  }

  async mark(principal: Principal, id: string, read: boolean): Promise<NotificationDto> {
    const row = await this.notifications.mark(this.userOf(principal), id, read);
    if (!row) throw new NotFound('Notification', id);
    return toNotificationDto(row);
  }

  private userOf(principal: Principal): string {
    if (principal.kind !== 'user') throw new Forbidden('Notifications are for staff users.');
    return principal.id;
  }
}
