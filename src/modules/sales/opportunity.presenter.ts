import { formatAmount } from '../../common/money/money.js';
import type { OpportunityDto } from './dto/opportunity.dto.js';
import type { OpportunityRow } from './opportunities.repository.js';

export function toOpportunityDto(row: OpportunityRow): OpportunityDto {
  const { cursorAt: _cursor, currency, amount, ...rest } = row;
  return { ...rest, amount: { amount: formatAmount(amount), currency } };
}
