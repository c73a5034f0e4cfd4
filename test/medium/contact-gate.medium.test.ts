import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customerContactOfSql, customerContactsSql } from '../../src/modules/customers/customers.sql.js';
import {
  CONSENT_CHANNEL,
  type ContactRequest,
  type MessageChannel,
  PURPOSES,
} from '../../src/modules/outreach/contact-gate.js';
import { contactDecisionSql } from '../../src/modules/outreach/contact-gate.sql.js';
import { ContactGate } from '../../src/modules/outreach/contact-gate.service.js';
import { OutreachMessagesRepository } from '../../src/modules/outreach/outreach-messages.repository.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

// The gate's two forms — decideContact in TypeScript for one message, contactDecisionSql for a whole
// audience — must give every customer the same answer. A seeded grid of customers covers every rule:
// consents given, withdrawn and never asked; opt-outs; missing addresses; time zones (one invalid);
// overdue service requests and open complaints; past messages of each purpose inside and outside the cap and duplicate
// windows, some suppressed or failed (which do not count); preference orders of one to four channels.

const DAY = 86_400_000;
const MORNING = new Date('2026-12-01T02:00:00.000Z'); // 10:00 in Shanghai, 03:00 in Berlin
const NIGHT = new Date('2026-12-01T14:30:00.000Z'); // 22:30 in Shanghai, 15:30 in Berlin

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('the contact gate and its SQL twin', () => {
  let database: MediumDatabase;
  let gate: ContactGate;
  const customerIds: string[] = [];
  const reasonsSeen = new Set<string | null>();

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    gate = new ContactGate(new OutreachMessagesRepository(database.dataSource));
    const next = random(20261201);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
    const db = database.dataSource;
    for (let i = 0; i < 60; i += 1) {
      const customFields: Record<string, string> = {};
      if (next() < 0.4) customFields.wechatOpenId = `wx-${i}`;
      const zone = pick([null, null, 'Europe/Berlin', 'America/New_York', 'Not/A_Zone']);
      if (zone) customFields.timeZone = zone;
      const [customer] = await db.query(
        `INSERT INTO customers (kind, name, gender, email, mobile, phone, marketing_opt_out, custom_fields)
         VALUES ('individual', $1, 'female', $2, $3, $4, $5, $6) RETURNING id`,
        [
          `客户${i}`,
          next() < 0.7 ? `c${i}@example.com` : null,
          next() < 0.6 ? `+86138000${String(i).padStart(5, '0')}` : null,
          next() < 0.3 ? `+86571000${String(i).padStart(5, '0')}` : null,
          next() < 0.25,
          customFields,
        ],
      );
      customerIds.push(customer.id);
      for (const channel of ['email', 'sms', 'phone', 'social']) {
        const answer = pick([true, true, false, null]);
        if (answer !== null)
          await db.query(`INSERT INTO customer_consents (customer_id, channel, opted_in) VALUES ($1, $2, $3)`, [
            customer.id,
            channel,
            answer,
          ]);
      }
      if (next() < 0.25) {
        const overdue = next() < 0.7;
        await db.query(
          `INSERT INTO service_requests (customer_id, channel, type, severity, subject, status, received_at, sla_started_at,
                                         respond_by, resolve_by, first_response_at, created_by_type)
           VALUES ($1, 'phone', 'repair', 'normal', '漏水', $2, now() - interval '3 days', now() - interval '3 days',
                   now() - interval '2 days', $3, now() - interval '2 days', 'user')`,
          [
            customer.id,
            overdue ? 'in_progress' : 'resolved',
            overdue ? new Date(Date.now() - DAY) : new Date(Date.now() + DAY),
          ],
        );
      }
      // An open complaint (two, for some) in the complaints module's read model.
      if (i % 7 === 3)
        for (let n = 0; n < 1 + (i % 2); n += 1)
          await db.query(
            `INSERT INTO customer_open_problems (customer_id, kind, source_id, since) VALUES ($1, 'complaint', gen_random_uuid(), now())`,
            [customer.id],
          );
      // Every fifth customer is at the marketing and care caps by now (distinct content, within the week).
      if (i % 5 === 0)
        for (const [purpose, count] of [
          ['marketing', 2],
          ['care', 3],
        ] as const)
          for (let m = 0; m < count; m += 1)
            await db.query(
              `INSERT INTO outreach_messages (customer_id, purpose, channel, content_key, decision, status, send_at)
               VALUES ($1, $2, 'sms', $3, 'send', 'sent', $4)`,
              [customer.id, purpose, `cap-${purpose}-${m}`, new Date(MORNING.getTime() - (m + 1) * DAY)],
            );
      const past = Math.floor(next() * 4);
      for (let m = 0; m < past; m += 1) {
        await db.query(
          `INSERT INTO outreach_messages (customer_id, purpose, channel, content_key, decision, status, send_at)
           VALUES ($1, $2, 'email', $3, $4, $5, $6)`,
          [
            customer.id,
            pick(PURPOSES),
            pick(['k1', 'k2', 'k3', 'k4', 'k5', 'k6']),
            pick(['send', 'send', 'send', 'suppress']),
            pick(['sent', 'sent', 'delivered', 'failed']),
            new Date(MORNING.getTime() - next() * (next() < 0.5 ? 8 : 40) * DAY),
          ],
        );
      }
    }
    await db.query(`UPDATE outreach_messages SET status = 'suppressed' WHERE decision = 'suppress'`);
  }, 60_000);
  afterAll(() => database?.close(), 60_000);

  const requests: ContactRequest[] = PURPOSES.flatMap((purpose) =>
    (
      [
        ['email', 'sms'],
        ['wechat', 'phone'],
        ['sms'],
        ['phone', 'email'],
        ['wechat', 'sms', 'phone', 'email'],
      ] as MessageChannel[][]
    ).flatMap((channels) => [MORNING, NIGHT].map((now) => ({ purpose, channels, contentKey: 'k1', now }))),
  );

  it.each(
    requests.map((request): [string, ContactRequest] => [
      `${request.purpose} via ${request.channels.join('>')} at ${request.now.toISOString()}`,
      request,
    ]),
  )(
    'decides %s alike in TypeScript and in SQL',
    async (_, request) => {
      const rows: {
        customer_id: string;
        decision: string;
        reason: string | null;
        channel: string | null;
        send_at: Date;
      }[] = await database.dataSource.query(
        contactDecisionSql({
          recipients: customerContactsSql('c.id = ANY($1::uuid[])'),
          purpose: '$2::text',
          channels: '$3::text[]',
          contentKey: '$4::text',
          now: '$5::timestamptz',
        }),
        [customerIds, request.purpose, request.channels, request.contentKey, request.now],
      );
      // The same as the daily scans ask it — each recipient's contact and history by key lookups, only
      // the consents of the request's channels read: the same answers.
      const narrowed: typeof rows = await database.dataSource.query(
        contactDecisionSql({
          recipients: `SELECT contact.* FROM unnest($1::uuid[]) AS audience(id) CROSS JOIN LATERAL (${customerContactOfSql(
            'audience.id',
            request.channels.map((channel) => CONSENT_CHANNEL[channel]),
          )}) contact`,
          purpose: '$2::text',
          channels: '$3::text[]',
          contentKey: '$4::text',
          now: '$5::timestamptz',
          historyPerRecipient: true,
        }),
        [customerIds, request.purpose, request.channels, request.contentKey, request.now],
      );
      const byCustomer = (list: typeof rows) =>
        Object.fromEntries(list.map((row) => [row.customer_id, [row.decision, row.reason, row.channel, row.send_at]]));
      expect(byCustomer(narrowed)).toStrictEqual(byCustomer(rows));
      const inSql = Object.fromEntries(
        rows.map((row) => [
          row.customer_id,
          { decision: row.decision, reason: row.reason, channel: row.channel, sendAt: row.send_at.toISOString() },
        ]),
      );
      const inTypeScript: Record<string, unknown> = {};
      for (const id of customerIds) {
        const { decision } = await gate.decide(id, request);
        reasonsSeen.add(decision.reason);
        inTypeScript[id] = {
          decision: decision.decision,
          reason: decision.reason,
          channel: decision.channel,
          sendAt: decision.sendAt.toISOString(),
        };
      }
      expect(inSql).toStrictEqual(inTypeScript);
    },
    30_000,
  );
  // Runs after the comparisons: the grid tests the twin only if every rule decided something in it.
  it('covered every reason in the grid', () => {
    expect([...reasonsSeen].sort()).toStrictEqual(
      [
        null,
        'duplicate-content',
        'frequency-cap',
        'marketing-opt-out',
        'no-address',
        'no-consent',
        'open-problem',
        'quiet-hours',
      ].sort(),
    );
  });
});
