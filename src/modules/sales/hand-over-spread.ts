import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { UsersService } from '../identity/users.service.js';
import { AssignmentRulesRepository } from './assignment-rules.repository.js';
import { LEAD_OWNER_ROLES } from './lead-assigner.js';
import { type LeadTraits, matchingRule, pickSalesperson } from './lead-assignment.js';
import { LeadsRepository } from './leads.repository.js';

/**
 * Who takes each record of a book spread over the assignment rules (`POST /admin/reassign` with
 * `spread: "assignment_rules"`): the rule the record's region, industry and source match (customers
 * have no source, so rules limited to sources pass them by), picked as the rule picks a new lead —
 * round robin or fewest open leads, each record counting as one more. The departing salesperson, the
 * inactive and, for a manager's hand-over, anyone outside their team are passed over; a rule left with
 * nobody gives way to the default rule, and that to everyone eligible in turn, so every record gets an owner.
 */
@Injectable()
export class SpreadOverRules {
  constructor(
    private readonly rules: AssignmentRulesRepository,
    private readonly leads: LeadsRepository,
    private readonly users: UsersService,
  ) {}

  /** Everyone who may take part of the book; empty when nobody may (the hand-over is refused). */
  async successors(fromUserId: string, requestedBy: string | null): Promise<string[]> {
    const people = [...new Set((await this.rules.list()).flatMap((rule) => rule.salespeople))];
    const active = await this.users.activeWithRoles(people, [...LEAD_OWNER_ROLES]);
    const requester = requestedBy ? await this.users.find(requestedBy) : null;
    const team =
      requester && !requester.roles.includes('admin')
        ? new Set([requester.id, ...(await this.users.teamOf(requester.id))])
        : null;
    return active.filter((id) => id !== fromUserId && (!team || team.has(id)));
  }

  /**
   * The new owner of each record, in order, inside `tx`: the rules locked as a lead's creation locks them,
   * their round-robin pointers advanced, so leads created meanwhile and the spread take turns fairly.
   */
  async owners(tx: Tx, records: readonly LeadTraits[], successors: readonly string[]): Promise<string[]> {
    const eligible = new Set(successors);
    const rules = await this.rules.lockEvery(tx);
    const loads = await this.leads.openLoads([...eligible], tx);
    const turns = new Map(rules.map((rule) => [rule.id, rule.nextIndex]));
    const fallback = rules.find((rule) => rule.isDefault);
    let anyoneNext = 0;
    const owners = records.map((record) => {
      for (const rule of [matchingRule(rules, record), fallback]) {
        if (!rule) continue;
        const pick = pickSalesperson({ ...rule, nextIndex: turns.get(rule.id)! }, loads, eligible);
        if (!pick) continue;
        turns.set(rule.id, pick.nextIndex);
        loads.set(pick.ownerId, (loads.get(pick.ownerId) ?? 0) + 1);
        return pick.ownerId;
      }
      const ownerId = successors[anyoneNext++ % successors.length];
      loads.set(ownerId, (loads.get(ownerId) ?? 0) + 1);
      return ownerId;
    });
    for (const rule of rules)
      if (turns.get(rule.id) !== rule.nextIndex) await this.rules.advance(tx, rule.id, turns.get(rule.id)!);
    return owners;
  }
}
