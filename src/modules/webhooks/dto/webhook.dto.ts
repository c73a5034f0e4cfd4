import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../webhook-delivery-status.js';

/** `customer.created`, `service_request.*` (every type starting `service_request.`), or `*` (everything). */
export const EVENT_TYPE_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://partner.example/crm-webhooks',
    description: 'https in production; private and loopback addresses are refused',
  })
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url: string;

  @ApiProperty({
    example: ['customer.created', 'service_request.*'],
    description: 'Exact event types, `prefix.*`, or `*`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @Matches(EVENT_TYPE_PATTERN, {
    each: true,
    message: 'each event type must look like customer.created, service_request.* or *',
  })
  eventTypes: string[];

  @ApiPropertyOptional({ example: 'ERP sync' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @Matches(EVENT_TYPE_PATTERN, {
    each: true,
    message: 'each event type must look like customer.created, service_request.* or *',
  })
  eventTypes?: string[];

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'false pauses deliveries; true re-enables a disabled endpoint' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ description: 'The version you read; a stale one is 412 (or send If-Match)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty() active: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'the endpoint answered 410 Gone' }) disabledReason:
    string | null;
  @ApiProperty({ nullable: true, type: String }) disabledAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Until then the previous secret also signs deliveries' })
  previousSecretExpiresAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Shown only in this response; store it now',
  })
  secret: string;
}

export class RotatedSecretDto {
  @ApiProperty({ description: 'The new secret, shown only once' }) secret: string;
  @ApiProperty({ description: 'The previous secret keeps signing (beside the new one) until then' })
  previousSecretExpiresAt: string;
}

export class WebhookAttemptDto {
  @ApiProperty() attemptedAt: string;
  @ApiProperty({ nullable: true, type: Number }) statusCode: number | null;
  @ApiProperty() latencyMs: number;
  @ApiProperty() succeeded: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The first KiB of the response body' }) responseExcerpt:
    string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) endpointId: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The webhook-id header: the event id, the same on every attempt and replay',
  })
  webhookId: string;
  @ApiProperty() eventType: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description: 'skipped: the endpoint was disabled when the event happened (a replay sends it)',
  })
  status: DeliveryStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatusCode: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: [WebhookAttemptDto] }) attemptLog: WebhookAttemptDto[];
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class ReplayRangeDto {
  @ApiProperty({ example: '2026-11-24T00:00:00.000Z', description: 'Events that occurred at or after this time' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty({ example: '2026-11-25T00:00:00.000Z', description: 'and before this time' })
  @IsISO8601({ strict: true })
  to: string;
}

export class ReplayResultDto {
  @ApiProperty({ description: 'Deliveries queued again' }) replayed: number;
}

export class TestDeliveryDto {
  @ApiProperty({ format: 'uuid' }) deliveryId: string;
  @ApiProperty({ format: 'uuid' }) webhookId: string;
}
