import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MoneyDto } from '../../../common/money/money.js';
import { PageQuery } from '../../../common/pagination/cursor.js';
import { IsNumberWithDecimals } from '../../../common/validation/validators.js';

export const QUOTE_STATUSES = ['pending_approval', 'approved', 'rejected', 'sent', 'superseded'] as const;

export class CreateProductDto {
  @ApiProperty({ example: 'RO-200' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, { message: 'code must be 1–50 letters, digits, . _ -' })
  code: string;

  @ApiProperty({ example: '商用反渗透净水器 200G' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ example: '台' })
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  unit: string;

  @ApiProperty({ type: MoneyDto, description: 'In the price list’s currency' })
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  listPrice: MoneyDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateProductDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  unit?: string;

  @ApiPropertyOptional({ type: MoneyDto, description: 'Quotes already made keep the price they were made with' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  listPrice?: MoneyDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ProductDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty() unit: string;
  @ApiProperty({ type: MoneyDto }) listPrice: MoneyDto;
  @ApiProperty() active: boolean;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ListProductsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: string;
}

export class QuoteLineInputDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  productId: string;

  @ApiProperty({ example: 20, description: 'Up to 3 decimals' })
  @IsNumberWithDecimals(3)
  @Min(0.001)
  @Max(1_000_000)
  quantity: number;

  @ApiPropertyOptional({ example: 8, default: 0, description: 'Percent off the list price, up to 2 decimals' })
  @IsOptional()
  @IsNumberWithDecimals(2)
  @Min(0)
  @Max(100)
  discountPercent?: number;
}

export class CreateQuoteDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  opportunityId: string;

  @ApiProperty({ type: [QuoteLineInputDto] })
  @ValidateNested({ each: true })
  @Type(() => QuoteLineInputDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  lines: QuoteLineInputDto[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  notes?: string;
}

export class ReviseQuoteDto {
  @ApiProperty({ type: [QuoteLineInputDto] })
  @ValidateNested({ each: true })
  @Type(() => QuoteLineInputDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  lines: QuoteLineInputDto[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  notes?: string;
}

export class DecideQuoteDto {
  @ApiPropertyOptional({ example: '大客户首单', description: 'Required to reject' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason?: string;
}

export class QuoteLineDto {
  @ApiProperty() lineNo: number;
  @ApiProperty({ format: 'uuid' }) productId: string;
  @ApiProperty() productCode: string;
  @ApiProperty() productName: string;
  @ApiProperty() unit: string;
  @ApiProperty() quantity: number;
  @ApiProperty({ type: MoneyDto, description: 'From the price list when the quote was made' }) listPrice: MoneyDto;
  @ApiProperty() discountPercent: number;
  @ApiProperty({ type: MoneyDto }) unitPrice: MoneyDto;
  @ApiProperty({ type: MoneyDto }) lineTotal: MoneyDto;
}

export class QuoteDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Q100001' }) number: string;
  @ApiProperty({ description: 'A revision replaces the previous one (which becomes superseded)' }) revision: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) supersedesId: string | null;
  @ApiProperty({ format: 'uuid' }) opportunityId: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ enum: QUOTE_STATUSES }) status: string;
  @ApiProperty({ type: MoneyDto }) total: MoneyDto;
  @ApiProperty({ description: 'The largest line discount, percent' }) maxDiscountPercent: number;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) approvalTaskId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) decidedBy: string | null;
  @ApiProperty({ nullable: true, type: String }) decisionReason: string | null;
  @ApiProperty({ nullable: true, type: String }) decidedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: [QuoteLineDto] }) lines: QuoteLineDto[];
}

export class ListQuotesQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  opportunityId?: string;

  @ApiPropertyOptional({ enum: QUOTE_STATUSES })
  @IsOptional()
  @IsIn(QUOTE_STATUSES)
  status?: string;
}

export class DiscountLimitsDto {
  @ApiProperty({ example: 10, description: 'Percent a salesperson may give without approval' })
  @IsNumberWithDecimals(2)
  @Min(0)
  @Max(100)
  sales: number;

  @ApiProperty({ example: 25, description: 'Percent a manager may give (and approve) without an administrator' })
  @IsNumberWithDecimals(2)
  @Min(0)
  @Max(100)
  manager: number;
}
