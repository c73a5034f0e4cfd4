import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';

export const LISTED_JOB_STATES = ['failed', 'delayed', 'waiting', 'active', 'completed', 'prioritized'] as const;
export type ListedJobState = (typeof LISTED_JOB_STATES)[number];

export class QueueCountsDto {
  @ApiProperty() waiting: number;
  @ApiProperty() prioritized: number;
  @ApiProperty() active: number;
  @ApiProperty() delayed: number;
  @ApiProperty() failed: number;
  @ApiProperty() completed: number;
}

export class QueueStateDto {
  @ApiProperty({ example: 'webhook-deliveries' }) name: string;
  @ApiProperty() paused: boolean;
  @ApiProperty({ type: QueueCountsDto }) counts: QueueCountsDto;
}

export class JobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: LISTED_JOB_STATES, default: 'failed' })
  @IsOptional()
  @IsIn(LISTED_JOB_STATES)
  state: ListedJobState = 'failed';
}

export class QueueJobDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The job payload (ids, never secrets)' }) data: unknown;
  @ApiProperty() attemptsMade: number;
  @ApiProperty({ nullable: true, type: String }) failedReason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}

export class RetriedDto {
  @ApiProperty() retried: number;
}

export class AuditLogQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'customer' }) @IsOptional() @IsString() @MaxLength(100) entityType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) entityId?: string;
  @ApiPropertyOptional({ enum: ['user', 'api_key', 'system'] })
  @IsOptional()
  @IsIn(['user', 'api_key', 'system'])
  actorType?: string;
  @ApiPropertyOptional({ description: 'A user or API key id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actorId?: string;
  @ApiPropertyOptional({ example: 'customer.updated' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]+\.[a-z_]+$/)
  action?: string;
  @ApiPropertyOptional({ description: 'At or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ description: 'Before (ISO 8601)' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class AuditEntryDto {
  @ApiProperty() id: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty() actorType: string;
  @ApiProperty({ nullable: true, type: String }) actorId: string | null;
  @ApiProperty() action: string;
  @ApiProperty() entityType: string;
  @ApiProperty({ nullable: true, type: String }) entityId: string | null;
  @ApiProperty({ nullable: true }) before: unknown;
  @ApiProperty({ nullable: true }) after: unknown;
  @ApiProperty({ nullable: true, type: [String] }) fields: string[] | null;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
}

export class ConfigEntryDto {
  @ApiProperty({ example: 'DATABASE_URL' }) name: string;
  @ApiProperty({
    nullable: true,
    description: 'Secrets and passwords are shown as ********',
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
  })
  value: string | number | boolean | null;
  @ApiProperty() masked: boolean;
}
