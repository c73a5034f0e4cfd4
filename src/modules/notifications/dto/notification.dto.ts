import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'work_plan.changed' }) kind: string;
  @ApiProperty({ example: '经理调整了你的周计划' }) title: string;
  @ApiProperty({ nullable: true, type: String, example: 'work_plan' }) subjectType: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) subjectId: string | null;
  @ApiProperty({ description: 'What happened, e.g. `before` and `after` of a changed plan', type: Object })
  details: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Who caused it' }) actorId: string | null;
  @ApiProperty() read: boolean;
  @ApiProperty({ nullable: true, type: String }) readAt: string | null;
  @ApiProperty() createdAt: string;
}

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['read', 'unread'] })
  @IsOptional()
  @IsIn(['read', 'unread'])
  status?: 'read' | 'unread';
}

export class MarkNotificationDto {
  @ApiProperty({ description: 'true marks it read, false unread again' })
  @IsBoolean()
  read: boolean;
}
