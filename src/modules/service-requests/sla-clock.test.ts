import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusinessCalendar } from './business-calendar.js';
import { alarmJobId, clockRuns, pendingAlarms } from './sla-clock.js';

const clock = BusinessCalendar.aroundTheClock();
const request = {
  id: '6b4ac9fb-586c-4dab-9567-2ac4c49f7a3d',
  slaStartedAt: new Date('2026-11-25T10:00:00Z'),
  respondBy: new Date('2026-11-25T11:00:00Z'),
  resolveBy: new Date('2026-11-25T18:00:00Z'),
};

describe('SLA alarms', () => {
  it('schedules a warning and a breach for both clocks of a queued request', () => {
    const alarms = pendingAlarms({ ...request, status: 'queued' }, 80, clock);
    assert.deepEqual(
      alarms.map(({ job, at }) => `${job.clock} ${job.stage} ${at.toISOString()}`),
      [
        'response warning 2026-11-25T10:48:00.000Z',
        'response breach 2026-11-25T11:00:00.000Z',
        'resolution warning 2026-11-25T16:24:00.000Z',
        'resolution breach 2026-11-25T18:00:00.000Z',
      ],
    );
  });

  it('stops the response clock once work starts, and both while waiting on the customer', () => {
    assert.deepEqual(pendingAlarms({ ...request, status: 'in_progress' }, 80, clock).map(({ job }) => job.clock), ['resolution', 'resolution']);
    assert.deepEqual(pendingAlarms({ ...request, status: 'waiting_on_customer' }, 80, clock), []);
    assert.deepEqual(pendingAlarms({ ...request, status: 'resolved' }, 80, clock), []);
    assert.equal(clockRuns('assigned', 'response'), true);
    assert.equal(clockRuns('closed', 'resolution'), false);
  });

  it('names each alarm after its deadline, so a moved deadline is a new alarm and the same one is not scheduled twice', () => {
    const [first] = pendingAlarms({ ...request, status: 'queued' }, 80, clock);
    const [again] = pendingAlarms({ ...request, status: 'queued' }, 80, clock);
    const [moved] = pendingAlarms({ ...request, status: 'queued', respondBy: new Date('2026-11-25T12:00:00Z') }, 80, clock);
    assert.equal(alarmJobId(first.job), alarmJobId(again.job));
    assert.notEqual(alarmJobId(first.job), alarmJobId(moved.job));
    assert.doesNotMatch(alarmJobId(first.job), /:/, 'BullMQ refuses custom job ids with a colon');
  });
});
