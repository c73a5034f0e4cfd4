import { Injectable } from '@nestjs/common';
import { OpenProblemRow, OpenProblemsRepository } from './open-problems.repository.js';

/**
 * Whether a customer has an open complaint or an overdue service request, and since when (R-P5): what
 * outreach and campaigns ask before promoting anything to them. For a whole audience in one statement
 * use customerHasOpenProblemSql (open-problems.sql.ts).
 */
@Injectable()
export class OpenProblemsService {
  constructor(private readonly problems: OpenProblemsRepository) {}

  /** The customer's open problems, oldest first; empty when there are none (or no such customer). */
  forCustomer(customerId: string): Promise<OpenProblemRow[]> {
    return this.problems.forCustomer(customerId.toLowerCase());
  }

  async hasOpenProblem(customerId: string): Promise<boolean> {
    return (await this.forCustomer(customerId)).length > 0;
  }
}
