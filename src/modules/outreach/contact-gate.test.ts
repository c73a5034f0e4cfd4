import { describe, expect, it } from '@jest/globals';
import {
  type ContactRequest,
  decideContact,
  DEFAULT_CONTACT_POLICY,
  nextAllowedTime,
  type Recipient,
} from './contact-gate.js';

// 10:00 in Shanghai (02:00 UTC): outside the quiet hours.
const MORNING = new Date('2026-12-01T02:00:00.000Z');
const DAY = 86_400_000;

const reachable: Recipient = {
  consents: { email: true, sms: true, phone: true, social: false },
  marketingOptOut: false,
  addresses: { email: 'li@example.com', sms: '+8613800000000', wechat: null, phone: '+8613800000000' },
  timeZone: null,
  hasOpenProblem: false,
  recent: [],
};
const marketing: ContactRequest = { purpose: 'marketing', channels: ['email', 'sms'], contentKey: 'k1', now: MORNING };

describe('the contact gate', () => {
  it.each<[string, Partial<Recipient>, Partial<ContactRequest>, string, string | null, string | null]>([
    ['sends on the first consented channel with an address', {}, {}, 'send', null, 'email'],
    ['skips a channel without consent', { consents: { email: false, sms: true } }, {}, 'send', null, 'sms'],
    [
      'skips a channel without an address',
      { addresses: { email: null, sms: '+8613800000000' } },
      {},
      'send',
      null,
      'sms',
    ],
    [
      'refuses marketing after a marketing opt-out',
      { marketingOptOut: true },
      {},
      'suppress',
      'marketing-opt-out',
      null,
    ],
    [
      'lets a service message through a marketing opt-out',
      { marketingOptOut: true },
      { purpose: 'service' },
      'send',
      null,
      'email',
    ],
    ['refuses without consent on any channel', { consents: { email: false } }, {}, 'suppress', 'no-consent', null],
    [
      'refuses a service message without channel consent too',
      { consents: {} },
      { purpose: 'service' },
      'suppress',
      'no-consent',
      null,
    ],
    [
      'refuses when the consented channels have no address',
      { consents: { wechat: true, social: true } },
      { channels: ['wechat'] },
      'suppress',
      'no-address',
      null,
    ],
    ['suppresses promotion while a problem is open', { hasOpenProblem: true }, {}, 'suppress', 'open-problem', 'email'],
    ['lets care through while a problem is open', { hasOpenProblem: true }, { purpose: 'care' }, 'send', null, 'email'],
    [
      'refuses the same content within the window',
      { recent: [{ purpose: 'care', contentKey: 'k1', sendAt: new Date(MORNING.getTime() - 29 * DAY) }] },
      {},
      'suppress',
      'duplicate-content',
      'email',
    ],
    [
      'sends the same content again after the window',
      { recent: [{ purpose: 'care', contentKey: 'k1', sendAt: new Date(MORNING.getTime() - 31 * DAY) }] },
      {},
      'send',
      null,
      'email',
    ],
    [
      'caps marketing at two in seven days',
      {
        recent: [
          { purpose: 'marketing', contentKey: 'a', sendAt: new Date(MORNING.getTime() - DAY) },
          { purpose: 'marketing', contentKey: 'b', sendAt: new Date(MORNING.getTime() - 6 * DAY) },
        ],
      },
      {},
      'suppress',
      'frequency-cap',
      'email',
    ],
    [
      'counts only the cap period',
      {
        recent: [
          { purpose: 'marketing', contentKey: 'a', sendAt: new Date(MORNING.getTime() - DAY) },
          { purpose: 'marketing', contentKey: 'b', sendAt: new Date(MORNING.getTime() - 8 * DAY) },
        ],
      },
      {},
      'send',
      null,
      'email',
    ],
    [
      'counts care apart from marketing',
      {
        recent: [
          { purpose: 'care', contentKey: 'a', sendAt: new Date(MORNING.getTime() - DAY) },
          { purpose: 'care', contentKey: 'b', sendAt: new Date(MORNING.getTime() - DAY) },
        ],
      },
      {},
      'send',
      null,
      'email',
    ],
    // 22:30 in Shanghai.
    ['defers in quiet hours', {}, { now: new Date('2026-12-01T14:30:00.000Z') }, 'defer', 'quiet-hours', 'email'],
    [
      'calls (tasks) ignore quiet hours',
      {},
      { channels: ['phone'], now: new Date('2026-12-01T14:30:00.000Z') },
      'send',
      null,
      'phone',
    ],
    // 10:00 in Shanghai is 03:00 in Berlin: quiet there.
    ["uses the customer's time zone", { timeZone: 'Europe/Berlin' }, {}, 'defer', 'quiet-hours', 'email'],
  ])('%s', (_, recipient, request, decision, reason, channel) => {
    const result = decideContact({ ...reachable, ...recipient }, { ...marketing, ...request });
    expect({ decision: result.decision, reason: result.reason, channel: result.channel }).toStrictEqual({
      decision,
      reason,
      channel,
    });
  });

  it('defers to 08:00 local the next morning from the evening, and the same morning after midnight', () => {
    // 22:30 Shanghai on 1 December → 08:00 on 2 December (00:00 UTC).
    expect(
      nextAllowedTime(new Date('2026-12-01T14:30:00.000Z'), 'Asia/Shanghai', DEFAULT_CONTACT_POLICY),
    ).toStrictEqual(new Date('2026-12-02T00:00:00.000Z'));
    // 02:00 Shanghai on 2 December → 08:00 the same day.
    expect(
      nextAllowedTime(new Date('2026-12-01T18:00:00.000Z'), 'Asia/Shanghai', DEFAULT_CONTACT_POLICY),
    ).toStrictEqual(new Date('2026-12-02T00:00:00.000Z'));
    // 21:00 sharp is quiet, 08:00 sharp is not.
    expect(
      nextAllowedTime(new Date('2026-12-01T13:00:00.000Z'), 'Asia/Shanghai', DEFAULT_CONTACT_POLICY),
    ).not.toBeNull();
    expect(nextAllowedTime(new Date('2026-12-02T00:00:00.000Z'), 'Asia/Shanghai', DEFAULT_CONTACT_POLICY)).toBeNull();
  });

  it('keeps the deferred time on the wall clock across a daylight-saving change', () => {
    // 22:00 in New York on 7 March 2026 (EST) → 08:00 on 8 March, after clocks went forward (EDT, UTC-4).
    expect(
      nextAllowedTime(new Date('2026-03-08T03:00:00.000Z'), 'America/New_York', DEFAULT_CONTACT_POLICY),
    ).toStrictEqual(new Date('2026-03-08T12:00:00.000Z'));
  });
});
