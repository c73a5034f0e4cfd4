import { describe, expect, it } from '@jest/globals';
import { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import { alarmJobId, clockRuns, pendingAlarms } from './sla-clock.js';

const clock = BusinessCalendar.aroundTheClock();
const targets = { firstResponseMinutes: 60, resolutionMinutes: 480, warningPercent: 80 };
const request = {
  id: '6b4ac9fb-586c-4dab-9567-2ac4c49f7a3d',
  slaStartedAt: new Date('2026-11-25T10:00:00Z'),
  pausedMinutes: 0,
  respondBy: new Date('2026-11-25T11:00:00Z'),
  resolveBy: new Date('2026-11-25T18:00:00Z'),
};

describe('SLA alarms', () => {
  it('schedules a warning and a breach for both clocks of a queued request', () => {
    const alarms = pendingAlarms({ ...request, status: 'queued' }, targets, clock);
    expect(alarms.map(({ job, at }) => `${job.clock} ${job.stage} ${at.toISOString()}`)).toStrictEqual([
      'response warning 2026-11-25T10:48:00.000Z',
      'response breach 2026-11-25T11:00:00.000Z',
      'resolution warning 2026-11-25T16:24:00.000Z',
      'resolution breach 2026-11-25T18:00:00.000Z',
    ]);
  });

  it('warns at the share of the target actually worked, after time spent waiting on the customer', () => {
    // 8 h target, worked 2 h, waited 4 days on the customer: resolveBy moved by the 5,760 paused minutes,
    // and the warning comes 6.4 h of work in, i.e. 4.4 h after the request resumed.
    const resumed = {
      ...request,
      status: 'in_progress' as const,
      pausedMinutes: 5_760,
      resolveBy: new Date('2026-11-29T18:00:00Z'),
    };
    const [warning, breach] = pendingAlarms(resumed, targets, clock);
    expect(warning.at.toISOString()).toBe('2026-11-29T16:24:00.000Z');
    expect(breach.at.toISOString()).toBe('2026-11-29T18:00:00.000Z');
  });

  it('stops the response clock once work starts, and both while waiting on the customer', () => {
    expect(
      pendingAlarms({ ...request, status: 'in_progress' }, targets, clock).map(({ job }) => job.clock),
    ).toStrictEqual(['resolution', 'resolution']);
    expect(pendingAlarms({ ...request, status: 'waiting_on_customer' }, targets, clock)).toStrictEqual([]);
    expect(pendingAlarms({ ...request, status: 'resolved' }, targets, clock)).toStrictEqual([]);
    expect(clockRuns('assigned', 'response')).toBe(true);
    expect(clockRuns('closed', 'resolution')).toBe(false);
  });

  it('names each alarm after its deadline, so a moved deadline is a new alarm and the same one is not scheduled twice', () => {
    const [first] = pendingAlarms({ ...request, status: 'queued' }, targets, clock);
    const [again] = pendingAlarms({ ...request, status: 'queued' }, targets, clock);
    const [moved] = pendingAlarms(
      { ...request, status: 'queued', respondBy: new Date('2026-11-25T12:00:00Z') },
      targets,
      clock,
    );
    expect(alarmJobId(first.job)).toBe(alarmJobId(again.job));
    expect(alarmJobId(first.job)).not.toBe(alarmJobId(moved.job));
    // BullMQ refuses custom job ids with a colon
    expect(alarmJobId(first.job)).not.toMatch(/:/);
  });
});
