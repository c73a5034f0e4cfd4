export const ASSIGNMENT_STRATEGIES = ['round_robin', 'fewest_open'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

/** A rule as assignment reads it; an empty list matches anything. */
export interface AssignmentRule {
  id: string;
  name: string;
  regions: string[];
  industries: string[];
  sources: string[];
  strategy: AssignmentStrategy;
  salespeople: string[];
  isDefault: boolean;
  /** Round robin: the index in `salespeople` of the next one to get a lead. */
  nextIndex: number;
}

export interface LeadTraits {
  region: string | null;
  industry: string | null;
  /** Null for a customer: rules limited to sources do not take it. */
  source: string | null;
}

/** What a lead stores about its assignment: the rule, the loads it saw, and who got the lead and why. */
export interface AssignmentExplanation {
  ruleId: string;
  ruleName: string;
  strategy: AssignmentStrategy;
  candidates: { userId: string; openLeads: number; eligible: boolean }[];
  chosen: string;
  reason: string;
}

export interface Pick {
  ownerId: string;
  explanation: AssignmentExplanation;
  /** The rule's round-robin pointer after this pick (unchanged for fewest-open rules). */
  nextIndex: number;
}

function matchesList(list: string[], value: string | null): boolean {
  return list.length === 0 || (value !== null && list.includes(value));
}

/** The first rule in order whose region, industry and source lists all admit the lead, else the default rule. */
export function matchingRule<R extends AssignmentRule>(rules: readonly R[], lead: LeadTraits): R | null {
  const match = rules.find(
    (rule) =>
      !rule.isDefault &&
      matchesList(rule.regions, lead.region) &&
      matchesList(rule.industries, lead.industry) &&
      matchesList(rule.sources, lead.source),
  );
  return match ?? rules.find((rule) => rule.isDefault) ?? null;
}

/**
 * Who among the rule's salespeople gets the lead: the next eligible one in turn (round robin), or the
 * eligible one with the fewest open leads, the rule's order breaking ties (fewest open). Salespeople no
 * longer active are skipped. Null when none is eligible.
 */
export function pickSalesperson(
  rule: AssignmentRule,
  openLeads: ReadonlyMap<string, number>,
  eligible: ReadonlySet<string>,
): Pick | null {
  const candidates = rule.salespeople.map((userId) => ({
    userId,
    openLeads: openLeads.get(userId) ?? 0,
    eligible: eligible.has(userId),
  }));
  const size = candidates.length;
  if (rule.strategy === 'round_robin') {
    for (let step = 0; step < size; step += 1) {
      const index = (((rule.nextIndex + step) % size) + size) % size;
      if (!candidates[index].eligible) continue;
      const ownerId = candidates[index].userId;
      return {
        ownerId,
        nextIndex: (index + 1) % size,
        explanation: {
          ruleId: rule.id,
          ruleName: rule.name,
          strategy: rule.strategy,
          candidates,
          chosen: ownerId,
          reason: `round robin: position ${index + 1} of ${size} was next in turn`,
        },
      };
    }
    return null;
  }
  let best: (typeof candidates)[number] | null = null;
  for (const candidate of candidates)
    if (candidate.eligible && (!best || candidate.openLeads < best.openLeads)) best = candidate;
  if (!best) return null;
  return {
    ownerId: best.userId,
    nextIndex: rule.nextIndex,
    explanation: {
      ruleId: rule.id,
      ruleName: rule.name,
      strategy: rule.strategy,
      candidates,
      chosen: best.userId,
      reason: `fewest open leads: ${best.openLeads}`,
    },
  };
}
