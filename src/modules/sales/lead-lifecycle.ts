export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'disqualified'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Statuses of a lead someone still works on: counted as the owner's load, matched as a duplicate, handed over. */
export const OPEN_LEAD_STATUSES: readonly LeadStatus[] = ['new', 'contacted', 'qualified'];

export const LEAD_SOURCES = ['trade_show', 'website', 'referral', 'campaign', 'partner', 'other'] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

/** The statuses a caller may move a lead to by hand; `converted` is reached only by converting it. */
export const SETTABLE_LEAD_STATUSES = ['contacted', 'qualified', 'disqualified'] as const;
export type SettableLeadStatus = (typeof SETTABLE_LEAD_STATUSES)[number];

const NEXT: Record<LeadStatus, readonly LeadStatus[]> = {
  new: ['contacted', 'disqualified'],
  contacted: ['qualified', 'disqualified'],
  qualified: ['converted', 'disqualified'],
  converted: [],
  disqualified: [],
};

/**
 * Why the lead may not move from `from` to `to`, or null when it may: new → contacted → qualified →
 * converted, and disqualified (with a reason) from any open status. The answer is the 409's detail.
 */
export function leadTransitionRefusal(from: LeadStatus, to: LeadStatus): string | null {
  if (NEXT[from].includes(to)) return null;
  if (from === 'converted' || from === 'disqualified') return `The lead is already ${from}; it cannot become ${to}.`;
  if (from === to) return `The lead is already ${to}.`;
  if (to === 'converted') return `Only a qualified lead can be converted; this one is ${from}.`;
  return `A ${from} lead cannot become ${to}: leads go new → contacted → qualified → converted.`;
}
