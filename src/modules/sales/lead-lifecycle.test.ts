import { describe, expect, it } from '@jest/globals';
import { leadTransitionRefusal, type LeadStatus } from './lead-lifecycle.js';

describe('lead lifecycle', () => {
  it.each<[LeadStatus, LeadStatus]>([
    ['new', 'contacted'],
    ['contacted', 'qualified'],
    ['qualified', 'converted'],
    ['new', 'disqualified'],
    ['contacted', 'disqualified'],
    ['qualified', 'disqualified'],
  ])('lets a %s lead become %s', (from, to) => {
    expect(leadTransitionRefusal(from, to)).toBeNull();
  });

  it.each<[LeadStatus, LeadStatus, string]>([
    ['new', 'qualified', 'A new lead cannot become qualified'],
    ['new', 'converted', 'Only a qualified lead can be converted; this one is new.'],
    ['contacted', 'converted', 'Only a qualified lead can be converted; this one is contacted.'],
    ['contacted', 'contacted', 'The lead is already contacted.'],
    ['converted', 'disqualified', 'The lead is already converted'],
    ['disqualified', 'contacted', 'The lead is already disqualified'],
    ['qualified', 'new', 'A qualified lead cannot become new'],
  ])('refuses %s → %s, saying why', (from, to, why) => {
    expect(leadTransitionRefusal(from, to)).toContain(why);
  });
});
