import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsUUID } from 'class-validator';
import { IMPORT_ENCODINGS } from './file-encoding.js';

/** The `options` part of the upload (JSON), every field optional. */
export class ImportOptionsDto {
  @ApiPropertyOptional({
    enum: ['update', 'skip'],
    default: 'skip',
    description: 'A row matching an existing customer (customer number, phone or e-mail): update it, or skip the row',
  })
  @IsOptional()
  @IsIn(['update', 'skip'])
  onMatch?: 'update' | 'skip';

  @ApiPropertyOptional({ default: false, description: 'Report what the import would do, writing no customer' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { 客户名: 'name', 微信: 'customFields.wechat', 备用: null },
    description:
      'Header → field (an API field, `code` to match on the customer number, `customFields.<key>`, or null to ignore), on top of the 客户基本资料表 headers',
  })
  @IsOptional()
  @IsObject()
  mapping?: Record<string, string | null>;

  @ApiPropertyOptional({ format: 'uuid', description: 'Owner of the customers created' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;
}

export class ImportUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'CSV in UTF-8 (with or without BOM), GBK or UTF-16' })
  file: unknown;

  @ApiPropertyOptional({ type: 'string', description: 'ImportOptionsDto as JSON' })
  options?: string;
}

export class ImportColumnDto {
  @ApiProperty() header: string;
  @ApiProperty({ nullable: true, type: String, description: 'The field it fills; null: ignored' }) target:
    string | null;
}

export class ImportCountsDto {
  @ApiProperty({ description: 'Data rows read so far (committed)' }) rows: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() skipped: number;
  @ApiProperty() rejected: number;
}

export class CustomerImportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status: string;
  @ApiProperty() fileName: string;
  @ApiProperty() fileBytes: number;
  @ApiProperty({ enum: IMPORT_ENCODINGS }) encoding: string;
  @ApiProperty({ enum: ['update', 'skip'] }) onMatch: string;
  @ApiProperty() dryRun: boolean;
  @ApiProperty({ type: [ImportColumnDto] }) columns: ImportColumnDto[];
  @ApiProperty({ type: ImportCountsDto }) counts: ImportCountsDto;
  @ApiProperty({ description: 'Share of the file read, 0–100' }) progress: number;
  @ApiProperty({ nullable: true, type: String }) failure: string | null;
  @ApiProperty({ description: 'Where the rejected rows are, as CSV with their line and reasons' })
  rejectedRowsUrl: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
}
