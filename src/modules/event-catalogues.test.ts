import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  catalogue,
  catalogueProblems,
  eventType,
  subscriber,
  subscriberProblems,
} from '../infrastructure/outbox/event-catalogue.js';
import { outboxEventsSql, outboxInsertInOrderSql, outboxInsertSql } from '../infrastructure/outbox/outbox.writer.js';
import { EVENT_CATALOGUES } from './event-catalogues.js';

/** The repository root (this file runs compiled from dist/ or from the sources). */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('event catalogues', () => {
  it('declare every event type once, and subscribers only of declared types', () => {
    expect(catalogueProblems(EVENT_CATALOGUES)).toStrictEqual([]);
  });

  it('find an event declared twice and a subscriber of an undeclared type', () => {
    const recorded = eventType<{ id: string }>('thing.recorded', 'thing');
    const stray = eventType<{ id: string }>('thing.stray', 'thing');
    const problems = catalogueProblems([
      catalogue('a', { recorded }, { react: subscriber('a', 'react', [stray]) }),
      catalogue('b', { recorded }),
    ]);
    expect(problems).toStrictEqual([
      'event thing.recorded is declared by a and by b',
      'subscriber a.react listens to thing.stray, which no catalogue declares',
    ]);
  });

  it('refuse a name that is not family.change, since names are written into SQL as literals', () => {
    expect(() => eventType("thing.it's", 'thing')).toThrow();
    expect(() => eventType('Thing.Recorded', 'thing')).toThrow();
  });

  it('give set-based SQL the outbox columns, the type and the payload fields from the declaration', () => {
    const moved = eventType<{ customerId: string; points: number }>('thing.moved', 'customer');
    const sql = outboxInsertSql(moved, {
      from: 'entries',
      aggregateId: 'customer_id',
      payload: { customerId: 'customer_id', points: '-points' },
      lane: 'bulk',
    });
    expect(sql.replace(/\s+/g, ' ')).toBe(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane) SELECT 'thing.moved' AS type, 'customer' AS aggregate_type, (customer_id)::text AS aggregate_id, jsonb_build_object('customerId', customer_id, 'points', -points) AS payload, 'bulk' AS lane FROM entries`,
    );
  });

  it('write events of several types in one insert, in the order the caller gives', () => {
    const made = eventType<{ thing: string }>('thing.made', 'thing');
    const given = eventType<{ thing: string; to: string }>('thing.given', 'thing');
    const sql = outboxInsertInOrderSql(
      outboxEventsSql(made, { from: 'things', aggregateId: 'id', payload: { thing: 'name' }, ordinal: 'n * 2' }),
      outboxEventsSql(given, {
        from: 'things WHERE owner IS NOT NULL',
        aggregateId: 'id',
        payload: { thing: 'name', to: 'owner' },
        ordinal: 'n * 2 + 1',
      }),
    );
    expect(sql.replace(/\s+/g, ' ')).toBe(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane) SELECT type, aggregate_type, aggregate_id, payload, lane FROM (` +
        `SELECT (n * 2)::numeric AS ordinal, 'thing.made' AS type, 'thing' AS aggregate_type, (id)::text AS aggregate_id, jsonb_build_object('thing', name) AS payload, 'default' AS lane FROM things UNION ALL ` +
        `SELECT (n * 2 + 1)::numeric AS ordinal, 'thing.given' AS type, 'thing' AS aggregate_type, (id)::text AS aggregate_id, jsonb_build_object('thing', name, 'to', owner) AS payload, 'default' AS lane FROM things WHERE owner IS NOT NULL` +
        `) AS event ORDER BY ordinal`,
    );
  });

  it('are the only way into the outbox: no module writes its rows itself', () => {
    const root = repositoryRoot();
    const outboxDir = path.join(root, 'src', 'infrastructure', 'outbox');
    const writers = sourceFiles(path.join(root, 'src'))
      .filter((file) => !file.startsWith(outboxDir + path.sep))
      .filter((file) => /INSERT\s+INTO\s+outbox\b/i.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(root, file));
    // write events with OutboxWriter.record or outboxInsertSql and a type from a <module>.events.ts
    expect(writers).toStrictEqual([]);
  });
});

describe('the start-up check of subscribers', () => {
  const recorded = eventType<{ id: string }>('thing.recorded', 'thing');
  const react = subscriber('a', 'react', [recorded]);
  const audit = subscriber('a', 'audit', [recorded]);
  const catalogues = [catalogue('a', { recorded }, { react, audit })];

  it('passes when every declared subscriber has one handler', () =>
    expect(subscriberProblems(catalogues, [react, audit])).toStrictEqual([]));
  it('fails a declared subscriber without a handler, one with two, and a handler nobody declared', () => {
    expect(subscriberProblems(catalogues, [react, react, subscriber('b', 'stray', [recorded])])).toStrictEqual([
      'subscriber a.react has 2 handlers',
      'subscriber a.audit is declared but no handler subscribed it',
      'a handler subscribed b.stray, which no catalogue declares',
    ]);
  });
});
