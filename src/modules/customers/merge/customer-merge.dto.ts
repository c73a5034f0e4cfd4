import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../../common/pagination/cursor.js';

export class MergeCustomerDto {
  @ApiProperty({ format: 'uuid', description: 'The customer merged into this one (it stops existing on its own)' })
  @IsUUID()
  duplicateId: string;

  @ApiPropertyOptional({
    description:
      'Per profile field (or customFields.<key>), whose value to keep: survivor (default; its gaps are filled from the duplicate) or duplicate',
    example: { mobile: 'duplicate', 'customFields.vipCardNo': 'survivor' },
  })
  @IsOptional()
  @IsObject()
  fieldChoices?: Record<string, 'survivor' | 'duplicate'>;
}

export class DuplicateReasonDto {
  @ApiProperty({ enum: ['phone', 'email', 'name', 'birthDate'] }) field: string;
  @ApiProperty() points: number;
  @ApiProperty() detail: string;
}

export class DuplicateCandidateDto {
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ description: '0–100: how likely the two are one person' }) score: number;
  @ApiProperty({ type: [DuplicateReasonDto] }) reasons: DuplicateReasonDto[];
}

export class DuplicatePageDto {
  @ApiProperty({ type: [DuplicateCandidateDto] }) data: DuplicateCandidateDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class DuplicatesQuery extends PageQuery {}

export class CustomerMergeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) survivorId: string;
  @ApiProperty({ format: 'uuid' }) duplicateId: string;
  @ApiProperty({ description: 'Rows moved, per module and table' })
  moved: Record<string, Record<string, number>>;
  @ApiProperty() mergedAt: string;
  @ApiProperty({ description: 'Until when POST /customers/merges/{id}/undo works' }) undoUntil: string;
  @ApiProperty({ nullable: true, type: String }) undoneAt: string | null;
}
