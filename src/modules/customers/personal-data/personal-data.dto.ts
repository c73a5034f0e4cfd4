import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** Why a customer's data is erased: the grounds of PIPL art. 47 and GDPR art. 17(1). */
export const ERASURE_GROUNDS = [
  'customer-request',
  'consent-withdrawn',
  'purpose-fulfilled',
  'unlawful-processing',
  'legal-obligation',
] as const;

export class EraseCustomerDto {
  @ApiProperty({ enum: ERASURE_GROUNDS, description: 'The legal ground of the erasure' })
  @IsIn(ERASURE_GROUNDS)
  ground: (typeof ERASURE_GROUNDS)[number];

  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Your reference for the request (a ticket number). Stored with the erasure and in the audit log; any of the customer’s own contacts or text in it is redacted.',
    example: 'DSR-2026-0142',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class ErasedByDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) type: string;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
}

export class CustomerErasureDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ enum: ERASURE_GROUNDS }) ground: string;
  @ApiProperty({ nullable: true, type: String }) reference: string | null;
  @ApiProperty({ type: [String], description: 'Duplicates merged into this customer earlier, erased with it' })
  mergedIds: string[];
  @ApiProperty({
    description: 'Rows anonymised, per module (and the copies: webhooks, platform) and table',
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } },
  })
  erased: Record<string, Record<string, number>>;
  @ApiProperty({ type: ErasedByDto }) erasedBy: ErasedByDto;
  @ApiProperty({ example: '2026-12-02T02:00:00.000Z' }) erasedAt: string;
}

export class SetLegalHoldDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: '(2026)浙01民初123号 诉讼保全' })
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class LegalHoldDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ type: ErasedByDto }) setBy: ErasedByDto;
  @ApiProperty() setAt: string;
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['json', 'zip'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'zip'])
  format?: 'json' | 'zip';
}
