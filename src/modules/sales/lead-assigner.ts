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
 * the rule's row is locked for the rest of the leads' transaction, so concurrent batches under one rule
 * are assigned one after the other, and within a batch each lead sees the pointer and the loads the
 * previous one left.
 */
@Injectable()
export class LeadAssigner {
  constructor(
    private readonly rules: AssignmentRulesRepository,
    private readonly leads: LeadsRepository,
    private readonly users: UsersService,
  ) {}

  /**
   * Assigns the leads inside `tx`, in order: every rule is locked (so each lead is matched against the
   * rules as they are while it is assigned), the pointers advanced; null for a lead no rule matches or
   * whose rule has nobody eligible. Who may own leads is read on another connection meanwhile.
   */
  async assignAll(tx: Tx, leads: readonly LeadTraits[]): Promise<(Pick | null)[]> {
    const rules = await this.rules.lockEvery(tx);
    const matched = leads.map((lead) => matchingRule(rules, lead));
    const people = [...new Set(matched.flatMap((rule) => rule?.salespeople ?? []))];
    if (!people.length) return leads.map(() => null);
    const [eligible, loads] = await Promise.all([
      this.users.activeWithRoles(people, [...LEAD_OWNER_ROLES]).then((ids) => new Set(ids)),
      this.leads.openLoads(people, tx),
    ]);
    const turns = new Map(rules.map((rule) => [rule.id, rule.nextIndex]));
    const picks = matched.map((rule) => {
      if (!rule) return null;
      const pick = pickSalesperson({ ...rule, nextIndex: turns.get(rule.id)! }, loads, eligible);
      if (pick) {
        turns.set(rule.id, pick.nextIndex);
        loads.set(pick.ownerId, (loads.get(pick.ownerId) ?? 0) + 1);
      }
      return pick;
    });
    for (const rule of rules)
      if (turns.get(rule.id) !== rule.nextIndex) await this.rules.advance(tx, rule.id, turns.get(rule.id)!);
    return picks;
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
