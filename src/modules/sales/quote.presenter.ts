import { formatAmount } from '../../common/money/money.js';
import type { ProductDto, QuoteDto } from './dto/quote.dto.js';
import type { ProductRow } from './products.repository.js';
import type { QuoteRow } from './quotes.repository.js';

export function toQuoteDto(row: QuoteRow): QuoteDto {
  const { cursorAt: _cursor, currency, total, maxDiscountPercent, lines, ...rest } = row;
  const money = (amount: string) => ({ amount: formatAmount(amount), currency });
  return {
    ...rest,
    total: money(total),
    maxDiscountPercent: Number(maxDiscountPercent),
    lines: lines.map((line) => ({
      ...line,
      quantity: Number(line.quantity),
      discountPercent: Number(line.discountPercent),
      listPrice: money(line.listPrice),
      unitPrice: money(line.unitPrice),
      lineTotal: money(line.lineTotal),
    })),
  };
}

export function toProductDto(row: ProductRow): ProductDto {
  const { cursorAt: _cursor, currency, listPrice, ...rest } = row;
  return { ...rest, listPrice: { amount: formatAmount(listPrice), currency } };
}
