import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { UsersService } from '../identity/users.service.js';
import { AssignmentRulesRepository } from './assignment-rules.repository.js';
import { type LeadTraits, matchingRule, type Pick, pickSalesperson } from './lead-assignment.js';
import { LeadsRepository } from './leads.repository.js';

/** Roles a lead may be assigned to. */
export const LEAD_OWNER_ROLES = ['sales', 'manager'] as const;

/**
 * Who gets a lead: the first matching rule (else the default rule), then its pick. In a real assignment
 * the rule's row is locked for the rest of the lead's transaction, so concurrent leads under one rule are
 * assigned one after the other — each sees the pointer and the loads the previous one left.
 */
@Injectable()
export class LeadAssigner {
  constructor(
    private readonly rules: AssignmentRulesRepository,
    private readonly leads: LeadsRepository,
    private readonly users: UsersService,
  ) {}

  /** Assigns inside `tx` (locking the rule and advancing its pointer); null when no rule matches or nobody is eligible. */
  async assign(tx: Tx, lead: LeadTraits): Promise<Pick | null> {
    const rule = matchingRule(await this.rules.list(tx), lead);
    if (!rule) return null;
    const eligible = new Set(await this.users.activeWithRoles(rule.salespeople, [...LEAD_OWNER_ROLES], tx));
    const locked = await this.rules.lock(tx, rule.id);
    if (!locked) return null; // deleted meanwhile: the lead stays unassigned rather than failing
    const pick = pickSalesperson(locked, await this.leads.openLoads(locked.salespeople, tx), eligible);
    if (pick && pick.nextIndex !== locked.nextIndex) await this.rules.advance(tx, locked.id, pick.nextIndex);
    return pick;
  }

  /** Who would get the lead now, writing and locking nothing. */
  async simulate(lead: LeadTraits): Promise<Pick | null> {
    const rule = matchingRule(await this.rules.list(), lead);
    if (!rule) return null;
    const [eligible, loads] = await Promise.all([
      this.users.activeWithRoles(rule.salespeople, [...LEAD_OWNER_ROLES]),
      this.leads.openLoads(rule.salespeople),
    ]);
    return pickSalesperson(rule, loads, new Set(eligible));
  }
}
