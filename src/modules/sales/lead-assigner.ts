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
   * Assigns the leads inside `tx`, in order (locking their rules and advancing the pointers); null for a
   * lead no rule matches, whose rule was deleted meanwhile, or whose rule has nobody eligible.
   */
  async assignAll(tx: Tx, leads: readonly LeadTraits[]): Promise<(Pick | null)[]> {
    const rules = await this.rules.list(tx);
    const matched = leads.map((lead) => matchingRule(rules, lead));
    const ruleIds = [...new Set(matched.flatMap((rule) => (rule ? [rule.id] : [])))];
    if (!ruleIds.length) return leads.map(() => null);
    const people = [...new Set(matched.flatMap((rule) => rule?.salespeople ?? []))];
    const eligible = new Set(await this.users.activeWithRoles(people, [...LEAD_OWNER_ROLES], tx));
    const locked = new Map((await this.rules.lockAll(tx, ruleIds)).map((rule) => [rule.id, rule]));
    const loads = await this.leads.openLoads(people, tx);
    const turns = new Map([...locked.values()].map((rule) => [rule.id, rule.nextIndex]));
    const picks = matched.map((rule) => {
      const current = rule && locked.get(rule.id);
      if (!current) return null;
      const pick = pickSalesperson({ ...current, nextIndex: turns.get(current.id)! }, loads, eligible);
      if (pick) {
        turns.set(current.id, pick.nextIndex);
        loads.set(pick.ownerId, (loads.get(pick.ownerId) ?? 0) + 1);
      }
      return pick;
    });
    for (const rule of locked.values())
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
