import { isoTime } from '../../common/http/iso-time.js';
import type { CustomerRow } from './customers.repository.js';
import type { CustomerDto } from './dto/customer.dto.js';

/** The customer in the API's shape and field order (the order CUSTOMER_SELECT reads them in). */
export function toCustomerDto(row: CustomerRow): CustomerDto {
  const { cursorAt: _, ...customer } = row;
  return { ...customer, createdAt: isoTime(row.createdAt), updatedAt: isoTime(row.updatedAt) };
}
