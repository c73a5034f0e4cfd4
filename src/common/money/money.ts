import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

/** Money as a decimal string with its currency, never a float: {"amount":"199.00","currency":"CNY"}. */
export class MoneyDto {
  @ApiProperty({ example: '199.00', description: 'Decimal string, at most 2 decimals, not negative' })
  @IsString()
  @Matches(/^\d{1,12}(\.\d{1,2})?$/, {
    message: 'amount must be a non-negative decimal string with at most 2 decimals, e.g. "199.00"',
  })
  amount: string;

  @ApiProperty({ example: 'CNY' })
  @IsString()
  @Length(3, 3)
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as CNY' })
  currency: string;
}

/** Postgres returns numeric(14,2) as a string already; this only fixes the scale. */
export function formatAmount(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `${whole}.${fraction.padEnd(2, '0').slice(0, 2)}`;
}
