import { describe, expect, it } from '@jest/globals';
import { type AssignmentRule, matchingRule, pickSalesperson } from './lead-assignment.js';

const rule = (fields: Partial<AssignmentRule>): AssignmentRule => ({
  id: fields.name ?? 'rule',
  name: 'rule',
  regions: [],
  industries: [],
  sources: [],
  strategy: 'round_robin',
  salespeople: ['a', 'b', 'c'],
  isDefault: false,
  nextIndex: 0,
  ...fields,
});

describe('matchingRule', () => {
  const zhejiangWater = rule({ name: 'zj-water', regions: ['浙江'], industries: ['水处理'] });
  const tradeShows = rule({ name: 'shows', sources: ['trade_show'] });
  const fallback = rule({ name: 'default', isDefault: true });
  const rules = [fallback, zhejiangWater, tradeShows];

  it.each([
    [{ region: '浙江', industry: '水处理', source: 'website' }, 'zj-water'],
    [{ region: '浙江', industry: '餐饮', source: 'trade_show' }, 'shows'],
    [{ region: '浙江', industry: '水处理', source: 'trade_show' }, 'zj-water'],
    [{ region: null, industry: '水处理', source: 'website' }, 'default'],
    [{ region: '上海', industry: null, source: 'referral' }, 'default'],
  ])('matches %o to the rule %s (first in order, the default last)', (lead, expected) => {
    expect(matchingRule(rules, lead)?.name).toBe(expected);
  });

  it('matches nothing when no rule matches and there is no default', () => {
    expect(matchingRule([zhejiangWater], { region: '上海', industry: null, source: 'other' })).toBeNull();
  });
});

describe('pickSalesperson', () => {
  const everyone = new Set(['a', 'b', 'c']);

  it('takes turns from the pointer and moves it past the one chosen', () => {
    const pick = pickSalesperson(rule({ nextIndex: 1 }), new Map(), everyone);
    expect(pick?.ownerId).toBe('b');
    expect(pick?.nextIndex).toBe(2);
    expect(pickSalesperson(rule({ nextIndex: 2 }), new Map(), everyone)?.nextIndex).toBe(0);
  });

  it('skips a salesperson who is no longer eligible in turn', () => {
    const pick = pickSalesperson(rule({ nextIndex: 1 }), new Map(), new Set(['a', 'c']));
    expect(pick?.ownerId).toBe('c');
    expect(pick?.nextIndex).toBe(0);
  });

  it('gives the lead to the fewest open leads, the rule order breaking ties, and explains it', () => {
    const loads = new Map([
      ['a', 4],
      ['b', 2],
      ['c', 2],
    ]);
    const pick = pickSalesperson(rule({ strategy: 'fewest_open' }), loads, everyone);
    expect(pick?.ownerId).toBe('b');
    expect(pick?.explanation.candidates).toStrictEqual([
      { userId: 'a', openLeads: 4, eligible: true },
      { userId: 'b', openLeads: 2, eligible: true },
      { userId: 'c', openLeads: 2, eligible: true },
    ]);
    expect(pick?.explanation.reason).toBe('fewest open leads: 2');
  });

  it('finds nobody when nobody is eligible', () => {
    expect(pickSalesperson(rule({ strategy: 'fewest_open' }), new Map(), new Set())).toBeNull();
    expect(pickSalesperson(rule({}), new Map(), new Set())).toBeNull();
  });
});
